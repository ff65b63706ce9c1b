"""Weight initialisation schemes for layers with weights."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from models.layers.base import LayerParams

InitScheme = Literal[
    "default", "kaiming", "xavier", "normal", "uniform", "zeros", "ones", "constant"
]

NORMAL_STD = 0.01
UNIFORM_BOUND = 0.05


class InitParams(LayerParams):
    """The `init` and `value` params shared by layers with weights."""

    init: InitScheme = Field(
        "default",
        description=(
            "How weights start: default (PyTorch's), kaiming (He normal, for ReLU), "
            "xavier (Glorot uniform), normal, uniform, zeros, ones, constant. "
            "Biases start at zero except with default."
        ),
    )
    value: float | None = Field(
        None,
        ge=-100.0,
        le=100.0,
        description=(
            f"constant: the value (default 0); normal: the std (default {NORMAL_STD}); "
            f"uniform: the bound a of U(-a, a) (default {UNIFORM_BOUND}). Ignored otherwise."
        ),
    )
    bias_init: float | None = Field(
        None,
        ge=-100.0,
        le=100.0,
        description="The biases' starting value (none: as the scheme starts them). A negative "
        "one starts ReLU units switched off.",
    )


@torch.no_grad()
def set_bias(module: nn.Module, value: float | None) -> None:
    """Start `module.bias` (if it has one) at `value`; None leaves it as it is."""
    bias = getattr(module, "bias", None)
    if value is not None and isinstance(bias, torch.Tensor):
        nn.init.constant_(bias, value)


@torch.no_grad()
def apply_init(module: nn.Module, scheme: InitScheme, value: float | None) -> None:
    """Reinitialise `module.weight` (and zero `module.bias`) by the scheme, in place."""
    if scheme == "default":
        return
    weight = getattr(module, "weight", None)
    bias = getattr(module, "bias", None)
    if not isinstance(weight, torch.Tensor):
        return
    if scheme == "kaiming":
        nn.init.kaiming_normal_(weight, nonlinearity="relu")
    elif scheme == "xavier":
        nn.init.xavier_uniform_(weight)
    elif scheme == "normal":
        nn.init.normal_(weight, 0.0, NORMAL_STD if value is None else abs(value))
    elif scheme == "uniform":
        bound = UNIFORM_BOUND if value is None else abs(value)
        nn.init.uniform_(weight, -bound, bound)
    elif scheme == "zeros":
        nn.init.zeros_(weight)
    elif scheme == "ones":
        nn.init.ones_(weight)
    elif scheme == "constant":
        nn.init.constant_(weight, 0.0 if value is None else value)
    if isinstance(bias, torch.Tensor):
        nn.init.zeros_(bias)
