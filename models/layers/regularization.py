"""Regularisation layers: dropout and dropout2d (active only while training)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field
from torch import nn

from models.layers.base import (
    Example,
    Layer,
    LayerParams,
    Probability,
    Shape,
    one_input,
    require_image,
)
from models.layers.code import LayerCode, call


class DropoutParams(LayerParams):
    """Params of dropout."""

    p: Probability = Field(0.5, description="Chance that each value is zeroed while training.")


class Dropout(Layer[DropoutParams]):
    type = "dropout"
    category = "regularization"
    doc = "While training, zeroes each value with probability p and rescales the rest."
    Params = DropoutParams
    examples = (Example({}, ((8,),)), Example({"p": 0.1}, ((2, 3, 3),)))

    def output_shape(self, p: DropoutParams, inputs: Sequence[Shape]) -> Shape:
        return one_input(inputs)

    def build(self, p: DropoutParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Dropout(p.p)

    def code(self, p: DropoutParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode(call("nn.Dropout", p.p))


class Dropout2d(Layer[DropoutParams]):
    type = "dropout2d"
    category = "regularization"
    doc = "While training, zeroes whole channels with probability p (for conv features)."
    Params = DropoutParams
    examples = (Example({}, ((4, 3, 3),)), Example({"p": 0.2}, ((1, 5, 5),)))

    def output_shape(self, p: DropoutParams, inputs: Sequence[Shape]) -> Shape:
        return require_image("dropout2d", one_input(inputs))

    def build(self, p: DropoutParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Dropout2d(p.p)

    def code(self, p: DropoutParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode(call("nn.Dropout2d", p.p))
