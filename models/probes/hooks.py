"""Taking a look inside a model without leaving a trace: hooks and mode, restored."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from models.build import Network


@contextmanager
def inspection(model: nn.Module) -> Iterator[None]:
    """Eval mode for the duration (no dropout draws, no batch-norm updates), mode restored after."""
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes.items():
            module.training = mode


@contextmanager
def capture_outputs(
    net: Network, nodes: Collection[str], *, inputs: bool = False
) -> Iterator[dict[str, torch.Tensor]]:
    """Forward hooks that record the named nodes' outputs (or first inputs); removed on exit."""
    captured: dict[str, torch.Tensor] = {}
    handles: list[RemovableHandle] = []

    def hook_for(node: str):  # type: ignore[no-untyped-def]
        def hook(module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            captured[node] = args[0] if inputs else output

        return hook

    try:
        for node in nodes:
            handles.append(net.module(node).register_forward_hook(hook_for(node)))
        yield captured
    finally:
        for handle in handles:
            handle.remove()
