"""Convolution layers: conv2d, conv_transpose2d, upsample."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, Protocol

from pydantic import Field, model_validator
from torch import nn

from models.errors import ShapeError
from models.fieldmath import Field2d
from models.layers.base import (
    Example,
    Kernel,
    Layer,
    LayerParams,
    Padding,
    PositiveInt,
    Shape,
    Stride,
    pair,
    require_image,
    window_out,
)
from models.layers.code import LayerCode, call, compact
from models.layers.init import InitParams, apply_init, set_bias, start_code

AXES = ("high", "wide")
# torch.nn.Conv2d's and ConvTranspose2d's defaults, which an export leaves unsaid.
CONV_DEFAULTS = {
    "stride": 1,
    "padding": 0,
    "output_padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "padding_mode": "zeros",
}
GroupsInt = Annotated[int, Field(ge=1, le=4096)]


class ConvParams(InitParams):
    """Params of a 2-D convolution."""

    out_channels: PositiveInt = Field(description="Number of filters (output channels).")
    kernel_size: Kernel = Field(3, description="Filter size k or [kh, kw].")
    stride: Stride = Field(1, description="Step between filter positions; 2 halves the size.")
    padding: Padding = Field(0, description="Zeros added on each side; (k-1)/2 keeps the size.")
    dilation: Stride = Field(1, description="Gap between filter taps; widens the field for free.")
    groups: GroupsInt = Field(1, description="Split channels into groups; = channels is depthwise.")
    bias: bool = Field(True, description="Add a learned bias per filter.")


PaddingMode = Literal["zeros", "circular", "reflect", "replicate"]


class Conv2dParams(ConvParams):
    """Params of conv2d: a convolution's, and what its padding is filled with."""

    padding_mode: PaddingMode = Field(
        "zeros",
        description="What padding holds: zeros; circular wraps the image around (a shift "
        "then shifts the output exactly); reflect mirrors it; replicate repeats the edge.",
    )


class Windows(Protocol):
    """Params that place sliding windows: a convolution's, a locally connected layer's."""

    @property
    def kernel_size(self) -> int | tuple[int, int]: ...
    @property
    def stride(self) -> int | tuple[int, int]: ...
    @property
    def padding(self) -> int | tuple[int, int]: ...
    @property
    def dilation(self) -> int | tuple[int, int]: ...


def windows_out(layer: str, p: Windows, h: int, w: int) -> tuple[int, int]:
    """How many window positions fit down and across an h x w input (or ShapeError)."""
    k, s, pad, d = pair(p.kernel_size), pair(p.stride), pair(p.padding), pair(p.dilation)
    field = "dilation" if max(d) > 1 else "kernel_size"
    oh = window_out(layer, AXES[0], h, k=k[0], s=s[0], p=pad[0], d=d[0], kernel_field=field)
    ow = window_out(layer, AXES[1], w, k=k[1], s=s[1], p=pad[1], d=d[1], kernel_field=field)
    return oh, ow


def windows_field(p: Windows, field: Field2d) -> Field2d:
    """The receptive field after sliding windows over an input with this field."""
    return field.conv(pair(p.kernel_size), pair(p.stride), pair(p.padding), pair(p.dilation))


def check_groups(p: ConvParams, c_in: int) -> None:
    """Raise a ShapeError unless both channel counts divide into the groups."""
    if c_in % p.groups:
        raise ShapeError(
            "groups", f"the {c_in} input channels cannot be split into {p.groups} equal groups."
        )
    if p.out_channels % p.groups:
        raise ShapeError(
            "groups", f"out_channels {p.out_channels} cannot be split into {p.groups} equal groups."
        )


def conv_code(fn: str, p: ConvParams, c_in: int, **extra: object) -> LayerCode:
    """A convolution module's call (defaults left unsaid) and the start of its weights."""
    expr = call(
        fn,
        c_in,
        p.out_channels,
        compact(p.kernel_size),
        stride=compact(p.stride),
        padding=compact(p.padding),
        dilation=compact(p.dilation),
        groups=p.groups,
        bias=p.bias,
        **extra,
        defaults=CONV_DEFAULTS,
    )
    return LayerCode(expr, start_code(p, p.bias))


class Conv2d(Layer[Conv2dParams]):
    type = "conv2d"
    category = "convolution"
    doc = "Slides learned filters over the image; each filter's weights are shared at every place."
    Params = Conv2dParams
    examples = (
        Example({"out_channels": 4, "kernel_size": 3}, ((1, 8, 8),)),
        Example({"out_channels": 8, "kernel_size": 3, "padding": 1, "stride": 2}, ((3, 9, 10),)),
        Example(
            {
                "out_channels": 6,
                "kernel_size": [3, 5],
                "padding": [1, 2],
                "dilation": 2,
                "groups": 3,
                "bias": False,
                "init": "xavier",
            },
            ((3, 17, 15),),
        ),
        Example({"out_channels": 2, "kernel_size": 1, "init": "ones"}, ((5, 4, 4),)),
        Example({"out_channels": 3, "padding": 1, "padding_mode": "circular"}, ((2, 6, 7),)),
        Example({"out_channels": 2, "padding": 2, "padding_mode": "reflect"}, ((1, 5, 5),)),
    )

    def output_shape(self, p: Conv2dParams, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image("conv2d", inputs[0])
        check_groups(p, c)
        if p.padding_mode != "zeros" and max(pair(p.padding)) >= min(h, w):
            raise ShapeError(
                "padding",
                f"{p.padding_mode} padding takes its values from the image: it must be less "
                f"than the input's {min(h, w)} pixels.",
            )
        return (p.out_channels, *windows_out("conv2d", p, h, w))

    def param_count(self, p: Conv2dParams, inputs: Sequence[Shape]) -> int:
        c = inputs[0][0]
        kh, kw = pair(p.kernel_size)
        return p.out_channels * (c // p.groups) * kh * kw + (p.out_channels if p.bias else 0)

    def build(self, p: Conv2dParams, inputs: Sequence[Shape]) -> nn.Module:
        module = nn.Conv2d(
            inputs[0][0],
            p.out_channels,
            pair(p.kernel_size),
            stride=pair(p.stride),
            padding=pair(p.padding),
            dilation=pair(p.dilation),
            groups=p.groups,
            bias=p.bias,
            padding_mode=p.padding_mode,
        )
        apply_init(module, p.init, p.value)
        set_bias(module, p.bias_init)
        return module

    def code(self, p: Conv2dParams, inputs: Sequence[Shape]) -> LayerCode:
        return conv_code("nn.Conv2d", p, inputs[0][0], padding_mode=p.padding_mode)

    def receptive(
        self, p: Conv2dParams, fields: Sequence[Field2d], inputs: Sequence[Shape]
    ) -> Field2d:
        return windows_field(p, fields[0])


class ConvTransposeParams(ConvParams):
    """Params of a transposed convolution."""

    kernel_size: Kernel = Field(2, description="Filter size k or [kh, kw].")
    stride: Stride = Field(2, description="Upsampling factor: 2 doubles the size.")
    output_padding: Padding = Field(
        0, description="Extra rows/columns on one side of the output; below the stride."
    )

    @model_validator(mode="after")
    def _output_padding_small(self) -> ConvTransposeParams:
        s, d, op = pair(self.stride), pair(self.dilation), pair(self.output_padding)
        for axis in range(2):
            if op[axis] >= max(s[axis], d[axis]):
                raise ValueError(
                    f"output_padding {op[axis]} must be smaller than the stride or the dilation"
                )
        return self


class ConvTranspose2d(Layer[ConvTransposeParams]):
    type = "conv_transpose2d"
    category = "convolution"
    doc = "Learned upsampling: each input pixel stamps a filter onto a finer output grid."
    Params = ConvTransposeParams
    examples = (
        Example({"out_channels": 4}, ((2, 5, 5),)),
        Example(
            {"out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
            ((4, 7, 6),),
        ),
        Example(
            {
                "out_channels": 4,
                "kernel_size": [3, 2],
                "stride": [1, 3],
                "dilation": 2,
                "groups": 2,
                "bias": False,
            },
            ((2, 4, 4),),
        ),
    )

    def output_shape(self, p: ConvTransposeParams, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image("conv_transpose2d", inputs[0])
        check_groups(p, c)
        k, s, pad = pair(p.kernel_size), pair(p.stride), pair(p.padding)
        d, op = pair(p.dilation), pair(p.output_padding)
        out = []
        for axis, size in enumerate((h, w)):
            o = s[axis] * (size - 1) - 2 * pad[axis] + d[axis] * (k[axis] - 1) + op[axis] + 1
            if o < 1:
                raise ShapeError(
                    "padding",
                    f"the output would be {o} pixels {AXES[axis]}: stride {s[axis]} x "
                    f"({size} - 1) - 2 x padding {pad[axis]} + dilation {d[axis]} x "
                    f"(kernel {k[axis]} - 1) + output_padding {op[axis]} + 1; use less padding.",
                )
            out.append(o)
        return (p.out_channels, out[0], out[1])

    def param_count(self, p: ConvTransposeParams, inputs: Sequence[Shape]) -> int:
        c = inputs[0][0]
        kh, kw = pair(p.kernel_size)
        return c * (p.out_channels // p.groups) * kh * kw + (p.out_channels if p.bias else 0)

    def build(self, p: ConvTransposeParams, inputs: Sequence[Shape]) -> nn.Module:
        module = nn.ConvTranspose2d(
            inputs[0][0],
            p.out_channels,
            pair(p.kernel_size),
            stride=pair(p.stride),
            padding=pair(p.padding),
            output_padding=pair(p.output_padding),
            dilation=pair(p.dilation),
            groups=p.groups,
            bias=p.bias,
        )
        apply_init(module, p.init, p.value)
        set_bias(module, p.bias_init)
        return module

    def code(self, p: ConvTransposeParams, inputs: Sequence[Shape]) -> LayerCode:
        output_padding = compact(p.output_padding)
        return conv_code("nn.ConvTranspose2d", p, inputs[0][0], output_padding=output_padding)

    def receptive(
        self, p: ConvTransposeParams, fields: Sequence[Field2d], inputs: Sequence[Shape]
    ) -> Field2d:
        return fields[0].transposed(
            pair(p.kernel_size), pair(p.stride), pair(p.padding), pair(p.dilation)
        )


class UpsampleParams(LayerParams):
    """Params of a fixed upsampling."""

    scale_factor: Annotated[int, Field(ge=1, le=16)] = Field(
        2, description="Whole-number factor by which height and width grow."
    )
    mode: Literal["nearest", "bilinear"] = Field(
        "nearest", description="nearest repeats pixels; bilinear blends the two nearest."
    )


class Upsample(Layer[UpsampleParams]):
    type = "upsample"
    category = "convolution"
    doc = "Enlarges the image by a whole factor without weights (nearest or bilinear)."
    Params = UpsampleParams
    examples = (
        Example({}, ((3, 4, 5),)),
        Example({"scale_factor": 3, "mode": "bilinear"}, ((2, 3, 3),)),
    )

    def output_shape(self, p: UpsampleParams, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image("upsample", inputs[0])
        return (c, h * p.scale_factor, w * p.scale_factor)

    def build(self, p: UpsampleParams, inputs: Sequence[Shape]) -> nn.Module:
        if p.mode == "bilinear":
            return nn.Upsample(scale_factor=p.scale_factor, mode="bilinear", align_corners=False)
        return nn.Upsample(scale_factor=p.scale_factor, mode="nearest")

    def code(self, p: UpsampleParams, inputs: Sequence[Shape]) -> LayerCode:
        if p.mode == "bilinear":
            return LayerCode(
                call(
                    "nn.Upsample", scale_factor=p.scale_factor, mode="bilinear", align_corners=False
                )
            )
        return LayerCode(call("nn.Upsample", scale_factor=p.scale_factor, mode="nearest"))

    def receptive(
        self, p: UpsampleParams, fields: Sequence[Field2d], inputs: Sequence[Shape]
    ) -> Field2d:
        reach = 1 if p.mode == "bilinear" and p.scale_factor > 1 else 0
        return fields[0].upsample(p.scale_factor, reach)
