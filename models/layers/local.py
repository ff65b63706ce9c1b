"""A locally connected layer: a convolution's windows with unshared weights.

Each output position has its own filters (and bias), so the layer has H_out x W_out
times a convolution's weights: what weight sharing saves. PyTorch has no module for
it; this one unfolds the input into its windows (`F.unfold`) and applies each
position's filters to its window with one batched product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from pydantic import Field
from torch import nn
from torch.nn import functional as F

from models.fieldmath import Field2d
from models.layers.base import (
    Example,
    Kernel,
    Layer,
    Padding,
    PositiveInt,
    Shape,
    Stride,
    pair,
    require_image,
)
from models.layers.code import LayerCode, call
from models.layers.conv import windows_field, windows_out
from models.layers.init import InitParams, InitScheme, apply_init, bias_code, init_code, set_bias


class LocalParams(InitParams):
    """Params of a locally connected layer (a conv2d's, without groups)."""

    out_channels: PositiveInt = Field(description="Filters at each position (output channels).")
    kernel_size: Kernel = Field(3, description="Window size k or [kh, kw].")
    stride: Stride = Field(1, description="Step between windows; 2 halves the size.")
    padding: Padding = Field(0, description="Zeros added on each side; (k-1)/2 keeps the size.")
    dilation: Stride = Field(1, description="Gap between window taps.")
    bias: bool = Field(True, description="Add a learned bias per filter and position.")


class LocallyConnected2dModule(nn.Module):
    """y[n, o, p] = sum_k w[p, o, k] x_window(p)[n, k] + b[o, p], p over output positions."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        *,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        out_hw: tuple[int, int],
        bias: bool,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out_hw = out_hw
        positions, window = out_hw[0] * out_hw[1], c_in * kernel[0] * kernel[1]
        self.weight = nn.Parameter(torch.empty(positions, c_out, window))  # [P, O, C*kh*kw]
        self.bias = nn.Parameter(torch.empty(c_out, positions)) if bias else None  # [O, P]
        # PyTorch's conv default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
        bound = 1 / math.sqrt(window)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = F.unfold(x, self.kernel, self.dilation, self.padding, self.stride)  # [N, C*k, P]
        out = torch.einsum("nkp,pok->nop", cols, self.weight)  # [N, O, P]
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(x.shape[0], -1, *self.out_hw)  # [N, O, H_out, W_out]


@torch.no_grad()
def init_local(module: LocallyConnected2dModule, scheme: InitScheme, value: float | None) -> None:
    """Apply an init scheme with a convolution's fans (those of one position's filters)."""
    weight = module.weight
    fan_in = weight.shape[2]
    fan_out = weight.shape[1] * module.kernel[0] * module.kernel[1]
    if scheme == "kaiming":  # He normal, fan_in mode, for ReLU
        nn.init.normal_(weight, 0.0, math.sqrt(2.0 / fan_in))
    elif scheme == "xavier":  # Glorot uniform
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        nn.init.uniform_(weight, -bound, bound)
    else:
        apply_init(module, scheme, value)
        return
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def local_init_code(
    scheme: InitScheme,
    value: float | None,
    *,
    bias: bool,
    kernel: tuple[int, int],
    c_in: int,
    c_out: int,
) -> tuple[str, ...]:
    """The statements `init_local` amounts to, on a module named `{m}`, as source."""
    fan_in, fan_out = c_in * kernel[0] * kernel[1], c_out * kernel[0] * kernel[1]
    if scheme == "kaiming":
        first = f"nn.init.normal_({{m}}.weight, 0.0, {math.sqrt(2.0 / fan_in)!r})"
    elif scheme == "xavier":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        first = f"nn.init.uniform_({{m}}.weight, -{bound!r}, {bound!r})"
    else:
        return init_code(scheme, value, bias)
    return (first, *(("nn.init.zeros_({m}.bias)",) if bias else ()))


class LocallyConnected2d(Layer[LocalParams]):
    type = "locally_connected2d"
    category = "convolution"
    doc = "A convolution's windows with unshared weights: every position has its own filters."
    Params = LocalParams
    shares_weights = False
    examples = (
        Example({"out_channels": 4, "kernel_size": 3}, ((1, 6, 6),)),
        Example(
            {"out_channels": 3, "kernel_size": [3, 2], "stride": 2, "padding": 1}, ((2, 7, 8),)
        ),
        Example(
            {"out_channels": 2, "kernel_size": 3, "dilation": 2, "bias": False, "init": "xavier"},
            ((3, 9, 7),),
        ),
    )

    def output_shape(self, p: LocalParams, inputs: Sequence[Shape]) -> Shape:
        _, h, w = require_image(self.type, inputs[0])
        return (p.out_channels, *windows_out(self.type, p, h, w))

    def param_count(self, p: LocalParams, inputs: Sequence[Shape]) -> int:
        c = inputs[0][0]
        _, oh, ow = self.output_shape(p, inputs)
        kh, kw = pair(p.kernel_size)
        per_position = p.out_channels * c * kh * kw + (p.out_channels if p.bias else 0)
        return oh * ow * per_position

    def build(self, p: LocalParams, inputs: Sequence[Shape]) -> nn.Module:
        _, oh, ow = self.output_shape(p, inputs)
        module = LocallyConnected2dModule(
            inputs[0][0],
            p.out_channels,
            kernel=pair(p.kernel_size),
            stride=pair(p.stride),
            padding=pair(p.padding),
            dilation=pair(p.dilation),
            out_hw=(oh, ow),
            bias=p.bias,
        )
        init_local(module, p.init, p.value)
        set_bias(module, p.bias_init)
        return module

    def code(self, p: LocalParams, inputs: Sequence[Shape]) -> LayerCode:
        _, oh, ow = self.output_shape(p, inputs)
        c_in, kernel = inputs[0][0], pair(p.kernel_size)
        expr = call(
            "LocallyConnected2dModule",
            c_in,
            p.out_channels,
            kernel=kernel,
            stride=pair(p.stride),
            padding=pair(p.padding),
            dilation=pair(p.dilation),
            out_hw=(oh, ow),
            bias=p.bias,
        )
        init = local_init_code(
            p.init, p.value, bias=p.bias, kernel=kernel, c_in=c_in, c_out=p.out_channels
        )
        return LayerCode(
            expr, (*init, *bias_code(p.bias_init, p.bias)), (LocallyConnected2dModule,)
        )

    def receptive(
        self, p: LocalParams, fields: Sequence[Field2d], inputs: Sequence[Shape]
    ) -> Field2d:
        return windows_field(p, fields[0])
