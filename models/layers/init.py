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


def init_code(scheme: InitScheme, value: float | None, bias: bool) -> tuple[str, ...]:
    """The statements `apply_init` amounts to, on a module named `{m}`, as source."""
    if scheme == "default":
        return ()
    weight = "{m}.weight"
    std = NORMAL_STD if value is None else abs(value)
    lines = {
        "kaiming": f'nn.init.kaiming_normal_({weight}, nonlinearity="relu")',
        "xavier": f"nn.init.xavier_uniform_({weight})",
        "normal": f"nn.init.normal_({weight}, 0.0, {std!r})",
        "uniform": "nn.init.uniform_({w}, -{b!r}, {b!r})".format(
            w=weight, b=UNIFORM_BOUND if value is None else abs(value)
        ),
        "zeros": f"nn.init.zeros_({weight})",
        "ones": f"nn.init.ones_({weight})",
        "constant": f"nn.init.constant_({weight}, {0.0 if value is None else value!r})",
    }
    return (lines[scheme], *(("nn.init.zeros_({m}.bias)",) if bias else ()))


def bias_code(value: float | None, bias: bool) -> tuple[str, ...]:
    """The statement `set_bias` amounts to, as source (none when it leaves the bias)."""
    return (f"nn.init.constant_({{m}}.bias, {value!r})",) if value is not None and bias else ()


def start_code(p: InitParams, bias: bool) -> tuple[str, ...]:
    """How a layer with these params starts its weights and bias, as source."""
    return (*init_code(p.init, p.value, bias), *bias_code(p.bias_init, bias))
