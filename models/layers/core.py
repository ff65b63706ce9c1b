"""Core layers: input, output, linear, flatten, identity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field
from torch import nn

from models.errors import ShapeError
from models.layers.base import (
    Example,
    Layer,
    LayerParams,
    NoParams,
    PositiveInt,
    Shape,
    describe_shape,
    numel,
    one_input,
)
from models.layers.code import LayerCode, call
from models.layers.init import InitParams, apply_init, set_bias, start_code

DimInt = Annotated[int, Field(ge=1, le=4096)]


class InputParams(LayerParams):
    """Params of the input node."""

    shape: tuple[DimInt] | tuple[DimInt, DimInt, DimInt] | None = Field(
        None,
        description="Sample shape [F] or [C, H, W] for analysis without a dataset; "
        "a dataset's shape wins when there is one.",
    )


class Input(Layer[InputParams]):
    type = "input"
    category = "core"
    doc = "Where the data enters: its shape comes from the dataset."
    Params = InputParams
    min_inputs = 0
    max_inputs = 0
    examples = (Example({}, ((2,),)), Example({"shape": [1, 8, 8]}, ((1, 8, 8),)))

    def output_shape(self, p: InputParams, inputs: Sequence[Shape]) -> Shape:
        # Shape inference hands the input node the sample shape as its one "input".
        return one_input(inputs)

    def build(self, p: InputParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Identity()

    def code(self, p: InputParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Identity()")


class OutputParams(LayerParams):
    """Params of the output node."""

    loss: Literal["cross_entropy", "bce", "mse"] = Field(
        "cross_entropy",
        description="cross_entropy: classes (per pixel for [C, H, W]); "
        "bce: two classes from one logit; mse: regression.",
    )


class Output(Layer[OutputParams]):
    type = "output"
    category = "core"
    doc = "Where predictions leave and the loss is taken (cross-entropy, BCE or MSE)."
    Params = OutputParams
    examples = (
        Example({"loss": "cross_entropy"}, ((10,),)),
        Example({"loss": "cross_entropy"}, ((3, 8, 8),)),
        Example({"loss": "mse"}, ((1,),)),
    )

    def output_shape(self, p: OutputParams, inputs: Sequence[Shape]) -> Shape:
        shape = one_input(inputs)
        if p.loss == "cross_entropy":
            if len(shape) not in (1, 3):
                raise ShapeError(
                    "loss",
                    f"cross_entropy needs class scores [C] or per-pixel scores [C, H, W], "
                    f"but gets {describe_shape(shape)}.",
                )
            if shape[0] < 2:
                raise ShapeError(
                    "loss",
                    "cross_entropy needs one score per class, at least 2; "
                    "for a single output use bce (two classes) or mse (regression).",
                )
        return shape

    def build(self, p: OutputParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Identity()

    def code(self, p: OutputParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Identity()")


class LinearParams(InitParams):
    """Params of a fully connected layer."""

    out_features: PositiveInt = Field(description="Number of output units (neurons).")
    bias: bool = Field(True, description="Add a learned bias to each unit.")


class Linear(Layer[LinearParams]):
    type = "linear"
    category = "core"
    doc = "Fully connected layer: every output is a weighted sum of all inputs plus a bias."
    Params = LinearParams
    examples = (
        Example({"out_features": 8}, ((2,),)),
        Example({"out_features": 3, "bias": False, "init": "kaiming"}, ((17,),)),
        Example({"out_features": 1, "init": "constant", "value": 0.5}, ((64,),)),
    )

    def output_shape(self, p: LinearParams, inputs: Sequence[Shape]) -> Shape:
        shape = one_input(inputs)
        if len(shape) != 1:
            raise ShapeError(
                None,
                f"linear needs a vector of features but gets {describe_shape(shape)}; "
                f"put a flatten (or global_avgpool) before it to turn the "
                f"{numel(shape)} values into a vector.",
            )
        return (p.out_features,)

    def param_count(self, p: LinearParams, inputs: Sequence[Shape]) -> int:
        (n_in,) = one_input(inputs)
        return n_in * p.out_features + (p.out_features if p.bias else 0)

    def build(self, p: LinearParams, inputs: Sequence[Shape]) -> nn.Module:
        (n_in,) = one_input(inputs)
        module = nn.Linear(n_in, p.out_features, bias=p.bias)
        apply_init(module, p.init, p.value)
        set_bias(module, p.bias_init)
        return module

    def code(self, p: LinearParams, inputs: Sequence[Shape]) -> LayerCode:
        (n_in,) = one_input(inputs)
        expr = call("nn.Linear", n_in, p.out_features, bias=p.bias, defaults={"bias": True})
        return LayerCode(expr, start_code(p, p.bias))


class Flatten(Layer[NoParams]):
    type = "flatten"
    category = "core"
    doc = "Lays an image tensor [C, H, W] out as one vector of C*H*W features."
    examples = (Example({}, ((3, 4, 5),)), Example({}, ((7,),)))

    def output_shape(self, p: NoParams, inputs: Sequence[Shape]) -> Shape:
        return (numel(one_input(inputs)),)

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Flatten()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Flatten()")


class Identity(Layer[NoParams]):
    type = "identity"
    category = "core"
    doc = "Passes its input through unchanged (a placeholder or a skip path)."
    examples = (Example({}, ((5,),)), Example({}, ((2, 3, 3),)))

    def output_shape(self, p: NoParams, inputs: Sequence[Shape]) -> Shape:
        return one_input(inputs)

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Identity()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Identity()")
