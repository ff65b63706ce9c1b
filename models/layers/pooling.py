"""Pooling layers: maxpool2d, avgpool2d, global_avgpool."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, model_validator
from torch import nn

from models.fieldmath import Field2d
from models.layers.base import (
    Example,
    Kernel,
    Layer,
    LayerParams,
    NoParams,
    Padding,
    Shape,
    Stride,
    pair,
    require_image,
    window_out,
)
from models.layers.code import LayerCode, call, compact

AXES = ("high", "wide")


class PoolParams(LayerParams):
    """Params of a pooling window."""

    kernel_size: Kernel = Field(2, description="Window size k or [kh, kw].")
    stride: Stride | None = Field(
        None, description="Step between windows; defaults to the window size."
    )
    padding: Padding = Field(0, description="Padding on each side; at most half the window.")

    @model_validator(mode="after")
    def _padding_at_most_half(self) -> PoolParams:
        k, p = pair(self.kernel_size), pair(self.padding)
        for axis in range(2):
            if 2 * p[axis] > k[axis]:
                raise ValueError(
                    f"padding {p[axis]} must be at most half the window size {k[axis]}"
                )
        return self

    def strides(self) -> tuple[int, int]:
        """The stride, defaulting to the window size."""
        return pair(self.kernel_size if self.stride is None else self.stride)


class MaxPoolParams(PoolParams):
    """Params of max pooling."""

    dilation: Stride = Field(1, description="Gap between window taps.")


class MaxPool2d(Layer[MaxPoolParams]):
    type = "maxpool2d"
    category = "pooling"
    doc = "Keeps the largest value in each window: smaller maps, some shift tolerance."
    Params = MaxPoolParams
    examples = (
        Example({}, ((3, 8, 8),)),
        Example({"kernel_size": 3, "stride": 2, "padding": 1}, ((2, 9, 7),)),
        Example({"kernel_size": [2, 3], "stride": 1, "dilation": 2}, ((1, 6, 8),)),
    )

    def output_shape(self, p: MaxPoolParams, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image("maxpool2d", inputs[0])
        k, s, pad, d = pair(p.kernel_size), p.strides(), pair(p.padding), pair(p.dilation)
        oh = window_out("maxpool2d", AXES[0], h, k=k[0], s=s[0], p=pad[0], d=d[0])
        ow = window_out("maxpool2d", AXES[1], w, k=k[1], s=s[1], p=pad[1], d=d[1])
        return (c, oh, ow)

    def build(self, p: MaxPoolParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.MaxPool2d(
            pair(p.kernel_size),
            stride=p.strides(),
            padding=pair(p.padding),
            dilation=pair(p.dilation),
        )

    def code(self, p: MaxPoolParams, inputs: Sequence[Shape]) -> LayerCode:
        expr = call(
            "nn.MaxPool2d",
            compact(p.kernel_size),
            stride=compact(p.strides()),
            padding=compact(p.padding),
            dilation=compact(p.dilation),
            defaults={"stride": compact(p.kernel_size), "padding": 0, "dilation": 1},
        )
        return LayerCode(expr)

    def receptive(
        self, p: MaxPoolParams, fields: Sequence[Field2d], inputs: Sequence[Shape]
    ) -> Field2d:
        return fields[0].conv(pair(p.kernel_size), p.strides(), pair(p.padding), pair(p.dilation))


class AvgPool2d(Layer[PoolParams]):
    type = "avgpool2d"
    category = "pooling"
    doc = "Averages each window: smaller, smoother maps."
    Params = PoolParams
    examples = (
        Example({}, ((3, 8, 8),)),
        Example({"kernel_size": 3, "stride": 2, "padding": 1}, ((2, 9, 7),)),
        Example({"kernel_size": [2, 4], "stride": [1, 2]}, ((1, 5, 9),)),
    )

    def output_shape(self, p: PoolParams, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image("avgpool2d", inputs[0])
        k, s, pad = pair(p.kernel_size), p.strides(), pair(p.padding)
        oh = window_out("avgpool2d", AXES[0], h, k=k[0], s=s[0], p=pad[0], d=1)
        ow = window_out("avgpool2d", AXES[1], w, k=k[1], s=s[1], p=pad[1], d=1)
        return (c, oh, ow)

    def build(self, p: PoolParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.AvgPool2d(pair(p.kernel_size), stride=p.strides(), padding=pair(p.padding))

    def code(self, p: PoolParams, inputs: Sequence[Shape]) -> LayerCode:
        expr = call(
            "nn.AvgPool2d",
            compact(p.kernel_size),
            stride=compact(p.strides()),
            padding=compact(p.padding),
            defaults={"stride": compact(p.kernel_size), "padding": 0},
        )
        return LayerCode(expr)

    def receptive(
        self, p: PoolParams, fields: Sequence[Field2d], inputs: Sequence[Shape]
    ) -> Field2d:
        return fields[0].conv(pair(p.kernel_size), p.strides(), pair(p.padding))


class GlobalAvgPool(Layer[NoParams]):
    type = "global_avgpool"
    category = "pooling"
    doc = "Averages each channel over the whole image: [C, H, W] becomes a vector of C."
    examples = (Example({}, ((5, 3, 4),)), Example({}, ((2, 1, 1),)))

    def output_shape(self, p: NoParams, inputs: Sequence[Shape]) -> Shape:
        c, _, _ = require_image("global_avgpool", inputs[0])
        return (c,)

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())")
