"""A step's estimated cost against PyTorch's own counts: FLOPs and what autograd keeps."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from models.build import build_network
from models.cost import BACKWARD_FACTOR, estimate_step, measure_flops, readable_bytes
from models.presets import PRESETS
from models.shapes import infer_shapes
from tests.models.helpers import chain, mlp

NETWORKS: dict[str, tuple[dict[str, Any], list[int]]] = {
    "mlp": (mlp([64, 64], out=10), [32]),
    "digits cnn": (PRESETS["digits-cnn"]["run"]["network"], [1, 8, 8]),
    "wide convs": (
        chain(
            ("conv2d", {"out_channels": 32, "kernel_size": 5, "padding": 2}),
            ("relu", {}),
            ("conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1, "groups": 4}),
            ("global_avgpool", {}),
            ("linear", {"out_features": 10}),
        ),
        [3, 16, 16],
    ),
}


def _step(spec: dict[str, Any], shape: list[int], batch: int) -> tuple[int, int]:
    """PyTorch's FLOP count of one forward pass, and the bytes autograd saves for backward."""
    net = build_network(spec, shape)
    x = torch.randn(batch, *shape)
    saved = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal saved
        saved += t.numel() * t.element_size()
        return t

    with (
        FlopCounterMode(display=False) as counter,
        torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t),
    ):
        net(x).square().mean()
    return counter.get_total_flops(), saved


@pytest.mark.parametrize("name", list(NETWORKS))
def test_the_estimate_is_close_to_what_pytorch_counts(name: str) -> None:
    spec, shape = NETWORKS[name]
    counted, saved = _step(spec, shape, batch=8)
    cost = estimate_step(infer_shapes(spec, shape), 8)
    # Matrix products and convolutions dominate the forward pass; the estimate adds a pass
    # over each value. The step is three forward passes (backward: input and weight grads).
    forward = cost.flops / BACKWARD_FACTOR
    assert counted <= forward <= 1.6 * counted, (forward, counted)
    # What autograd keeps (inputs, outputs, weights) fits in the activation and weight terms.
    assert saved <= cost.activation_bytes + cost.weight_bytes, (saved, cost)


def test_the_heaviest_parts_are_named() -> None:
    spec, shape = NETWORKS["wide convs"]
    cost = estimate_step(infer_shapes(spec, shape), 4)
    assert cost.busiest == "n0" and cost.largest in ("n0", "n1")
    assert estimate_step(infer_shapes(spec, shape), 8).flops == 2 * cost.flops


def test_device_speed_and_words() -> None:
    assert 1e7 < measure_flops(torch.device("cpu"), seconds=0.05) < 1e14
    assert readable_bytes(8.59e9) == "8.59 GB" and readable_bytes(512) == "512 bytes"
