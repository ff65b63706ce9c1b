"""Merge layers: add (residual sums) and concat (channel stacking)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from models.errors import ShapeError
from models.fieldmath import Field2d
from models.layers.base import Example, Layer, NoParams, Shape
from models.layers.code import LayerCode


class AddModule(nn.Module):
    """Elementwise sum of its inputs."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class ConcatModule(nn.Module):
    """Concatenation along the channel (feature) axis."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)


class Add(Layer[NoParams]):
    type = "add"
    category = "merge"
    doc = "Adds two or more inputs of equal shape: the merge of a residual (skip) connection."
    min_inputs = 2
    max_inputs = None
    examples = (Example({}, ((4,), (4,))), Example({}, ((2, 3, 3), (2, 3, 3), (2, 3, 3))))

    def output_shape(self, p: NoParams, inputs: Sequence[Shape]) -> Shape:
        first = inputs[0]
        for i, shape in enumerate(inputs[1:], start=2):
            if shape != first:
                raise ShapeError(
                    None,
                    f"add needs inputs of equal shape, but input 1 is {list(first)} and "
                    f"input {i} is {list(shape)}.",
                )
        return first

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return AddModule()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("AddModule()", needs=(AddModule,))

    def receptive(self, p: NoParams, fields: Sequence[Field2d], inputs: Sequence[Shape]) -> Field2d:
        return Field2d.union(fields)


class Concat(Layer[NoParams]):
    type = "concat"
    category = "merge"
    doc = "Stacks two or more inputs along the channel axis (the U-Net / DenseNet merge)."
    min_inputs = 2
    max_inputs = None
    examples = (Example({}, ((4,), (3,))), Example({}, ((2, 3, 3), (5, 3, 3))))

    def output_shape(self, p: NoParams, inputs: Sequence[Shape]) -> Shape:
        first = inputs[0]
        for i, shape in enumerate(inputs[1:], start=2):
            if len(shape) != len(first) or shape[1:] != first[1:]:
                what = "the same height and width" if len(first) == 3 else "the same kind of shape"
                raise ShapeError(
                    None,
                    f"concat needs inputs with {what}, but input 1 is {list(first)} and "
                    f"input {i} is {list(shape)}.",
                )
        return (sum(s[0] for s in inputs), *first[1:])

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return ConcatModule()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("ConcatModule()", needs=(ConcatModule,))

    def receptive(self, p: NoParams, fields: Sequence[Field2d], inputs: Sequence[Shape]) -> Field2d:
        return Field2d.union(fields)
