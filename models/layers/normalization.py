"""Normalisation layers: batchnorm, layernorm, groupnorm, instancenorm.

Their statistics span the batch, the sample or a group of channels; the
theoretical receptive field ignores that (as the literature does) and treats
them as pointwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import Field
from torch import nn

from models.errors import ShapeError
from models.layers.base import Example, Layer, LayerParams, Shape, numel, one_input, require_image
from models.layers.code import LayerCode, call

Eps = Annotated[float, Field(gt=0.0, le=1.0, description="Added to the variance for stability.")]


class BatchNormParams(LayerParams):
    """Params of batch normalisation."""

    momentum: float = Field(
        0.1, gt=0.0, le=1.0, description="Update rate of the running statistics."
    )
    eps: Eps = 1e-5
    affine: bool = Field(True, description="Learn a scale and shift per channel.")


class BatchNorm(Layer[BatchNormParams]):
    type = "batchnorm"
    category = "normalization"
    doc = "Normalises each channel over the batch, then scales and shifts; eases deep training."
    Params = BatchNormParams
    examples = (Example({}, ((6,),)), Example({"affine": False}, ((3, 4, 4),)))

    def output_shape(self, p: BatchNormParams, inputs: Sequence[Shape]) -> Shape:
        shape = one_input(inputs)
        if len(shape) not in (1, 3):
            raise ShapeError(None, f"batchnorm needs [F] or [C, H, W], not {list(shape)}.")
        return shape

    def param_count(self, p: BatchNormParams, inputs: Sequence[Shape]) -> int:
        return 2 * one_input(inputs)[0] if p.affine else 0

    def build(self, p: BatchNormParams, inputs: Sequence[Shape]) -> nn.Module:
        shape = one_input(inputs)
        kind = nn.BatchNorm1d if len(shape) == 1 else nn.BatchNorm2d
        return kind(shape[0], eps=p.eps, momentum=p.momentum, affine=p.affine)

    def code(self, p: BatchNormParams, inputs: Sequence[Shape]) -> LayerCode:
        shape = one_input(inputs)
        kind = "nn.BatchNorm1d" if len(shape) == 1 else "nn.BatchNorm2d"
        defaults = {"eps": 1e-5, "momentum": 0.1, "affine": True}
        return LayerCode(
            call(kind, shape[0], eps=p.eps, momentum=p.momentum, affine=p.affine, defaults=defaults)
        )


class LayerNormParams(LayerParams):
    """Params of layer normalisation."""

    eps: Eps = 1e-5
    elementwise_affine: bool = Field(True, description="Learn a scale and shift per value.")


class LayerNorm(Layer[LayerNormParams]):
    type = "layernorm"
    category = "normalization"
    doc = "Normalises each sample over all its values; independent of the batch."
    Params = LayerNormParams
    examples = (
        Example({}, ((6,),)),
        Example({}, ((3, 4, 4),)),
        Example({"elementwise_affine": False}, ((2, 3, 3),)),
    )

    def output_shape(self, p: LayerNormParams, inputs: Sequence[Shape]) -> Shape:
        return one_input(inputs)

    def param_count(self, p: LayerNormParams, inputs: Sequence[Shape]) -> int:
        return 2 * numel(one_input(inputs)) if p.elementwise_affine else 0

    def build(self, p: LayerNormParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.LayerNorm(
            list(one_input(inputs)), eps=p.eps, elementwise_affine=p.elementwise_affine
        )

    def code(self, p: LayerNormParams, inputs: Sequence[Shape]) -> LayerCode:
        expr = call(
            "nn.LayerNorm",
            list(one_input(inputs)),
            eps=p.eps,
            elementwise_affine=p.elementwise_affine,
            defaults={"eps": 1e-5, "elementwise_affine": True},
        )
        return LayerCode(expr)


class GroupNormParams(LayerParams):
    """Params of group normalisation."""

    num_groups: int = Field(2, ge=1, le=4096, description="Channel groups normalised together.")
    eps: Eps = 1e-5
    affine: bool = Field(True, description="Learn a scale and shift per channel.")


class GroupNorm(Layer[GroupNormParams]):
    type = "groupnorm"
    category = "normalization"
    doc = "Normalises groups of channels within each sample; works with tiny batches."
    Params = GroupNormParams
    examples = (
        Example({"num_groups": 2}, ((4, 3, 3),)),
        Example({"num_groups": 3, "affine": False}, ((6,),)),
    )

    def output_shape(self, p: GroupNormParams, inputs: Sequence[Shape]) -> Shape:
        shape = one_input(inputs)
        if shape[0] % p.num_groups:
            raise ShapeError(
                "num_groups",
                f"the {shape[0]} channels cannot be split into {p.num_groups} equal groups.",
            )
        return shape

    def param_count(self, p: GroupNormParams, inputs: Sequence[Shape]) -> int:
        return 2 * one_input(inputs)[0] if p.affine else 0

    def build(self, p: GroupNormParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.GroupNorm(p.num_groups, one_input(inputs)[0], eps=p.eps, affine=p.affine)

    def code(self, p: GroupNormParams, inputs: Sequence[Shape]) -> LayerCode:
        defaults = {"eps": 1e-5, "affine": True}
        c = one_input(inputs)[0]
        return LayerCode(
            call("nn.GroupNorm", p.num_groups, c, eps=p.eps, affine=p.affine, defaults=defaults)
        )


class InstanceNormParams(LayerParams):
    """Params of instance normalisation."""

    eps: Eps = 1e-5
    affine: bool = Field(False, description="Learn a scale and shift per channel.")


class InstanceNorm(Layer[InstanceNormParams]):
    type = "instancenorm"
    category = "normalization"
    doc = "Normalises each channel of each image over its pixels (style-independent contrast)."
    Params = InstanceNormParams
    examples = (Example({}, ((3, 4, 4),)), Example({"affine": True}, ((2, 5, 3),)))

    def output_shape(self, p: InstanceNormParams, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image("instancenorm", one_input(inputs))
        if h * w < 2:
            raise ShapeError(None, "instancenorm needs more than one pixel per channel.")
        return (c, h, w)

    def param_count(self, p: InstanceNormParams, inputs: Sequence[Shape]) -> int:
        return 2 * one_input(inputs)[0] if p.affine else 0

    def build(self, p: InstanceNormParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.InstanceNorm2d(one_input(inputs)[0], eps=p.eps, affine=p.affine)

    def code(self, p: InstanceNormParams, inputs: Sequence[Shape]) -> LayerCode:
        defaults = {"eps": 1e-5, "affine": False}
        c = one_input(inputs)[0]
        return LayerCode(
            call("nn.InstanceNorm2d", c, eps=p.eps, affine=p.affine, defaults=defaults)
        )
