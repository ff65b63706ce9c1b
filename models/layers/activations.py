"""Activation functions: pointwise, so shape and receptive field pass through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field
from torch import nn

from models.layers.base import Example, Layer, LayerParams, NoParams, Shape, one_input
from models.layers.code import LayerCode, call

POINTWISE_EXAMPLES = (Example({}, ((6,),)), Example({}, ((3, 5, 4),)))


class _Pointwise(Layer[Any]):
    """An activation: same shape out as in, no weights unless it says so."""

    category = "activation"
    examples: ClassVar[tuple[Example, ...]] = POINTWISE_EXAMPLES

    def output_shape(self, p: Any, inputs: Sequence[Shape]) -> Shape:
        return one_input(inputs)


class ReLU(_Pointwise):
    type = "relu"
    doc = "max(0, x): cheap, does not saturate for x > 0; units stuck below 0 die."

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.ReLU()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.ReLU()")


class LeakyReLUParams(LayerParams):
    """Params of leaky ReLU."""

    negative_slope: float = Field(0.01, ge=0.0, le=1.0, description="Slope for x < 0.")


class LeakyReLU(_Pointwise):
    type = "leaky_relu"
    doc = "x for x > 0, a small slope times x below: no dead units."
    Params = LeakyReLUParams
    examples = (*POINTWISE_EXAMPLES, Example({"negative_slope": 0.2}, ((4,),)))

    def build(self, p: LeakyReLUParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.LeakyReLU(p.negative_slope)

    def code(self, p: LeakyReLUParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode(call("nn.LeakyReLU", p.negative_slope))


class PReLUParams(LayerParams):
    """Params of parametric ReLU."""

    channelwise: bool = Field(
        False, description="Learn one slope per channel instead of one in all."
    )
    init_slope: float = Field(0.25, ge=0.0, le=1.0, description="Starting slope for x < 0.")


class PReLU(_Pointwise):
    type = "prelu"
    doc = "Leaky ReLU whose negative slope is learned."
    Params = PReLUParams
    examples = (
        *POINTWISE_EXAMPLES,
        Example({"channelwise": True}, ((3, 4, 4),)),
        Example({"channelwise": True}, ((5,),)),
    )

    def param_count(self, p: PReLUParams, inputs: Sequence[Shape]) -> int:
        return one_input(inputs)[0] if p.channelwise else 1

    def build(self, p: PReLUParams, inputs: Sequence[Shape]) -> nn.Module:
        n = one_input(inputs)[0] if p.channelwise else 1
        return nn.PReLU(num_parameters=n, init=p.init_slope)

    def code(self, p: PReLUParams, inputs: Sequence[Shape]) -> LayerCode:
        n = one_input(inputs)[0] if p.channelwise else 1
        return LayerCode(call("nn.PReLU", num_parameters=n, init=p.init_slope))


class Sigmoid(_Pointwise):
    type = "sigmoid"
    doc = "1/(1+e^-x), squashes to (0, 1); saturates, so deep stacks get vanishing gradients."

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Sigmoid()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Sigmoid()")


class Tanh(_Pointwise):
    type = "tanh"
    doc = "Squashes to (-1, 1), zero-centred; saturates for large |x|."

    def build(self, p: NoParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Tanh()

    def code(self, p: NoParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode("nn.Tanh()")


class GELUParams(LayerParams):
    """Params of GELU."""

    approximate: Literal["none", "tanh"] = Field("none", description="Exact or tanh approximation.")


class GELU(_Pointwise):
    type = "gelu"
    doc = "x times the normal CDF of x: a smooth ReLU used in transformers."
    Params = GELUParams

    def build(self, p: GELUParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.GELU(approximate=p.approximate)

    def code(self, p: GELUParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode(
            call("nn.GELU", approximate=p.approximate, defaults={"approximate": "none"})
        )


class ELUParams(LayerParams):
    """Params of ELU."""

    alpha: float = Field(1.0, gt=0.0, le=10.0, description="Value approached for very negative x.")


class ELU(_Pointwise):
    type = "elu"
    doc = "x for x > 0, alpha(e^x - 1) below: smooth, negative outputs keep means near 0."
    Params = ELUParams

    def build(self, p: ELUParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.ELU(alpha=p.alpha)

    def code(self, p: ELUParams, inputs: Sequence[Shape]) -> LayerCode:
        return LayerCode(call("nn.ELU", alpha=p.alpha, defaults={"alpha": 1.0}))


class SoftplusParams(LayerParams):
    """Params of softplus."""

    beta: float = Field(1.0, gt=0.0, le=100.0, description="Sharpness: larger is closer to ReLU.")
    threshold: float = Field(20.0, gt=0.0, le=100.0, description="Above beta*x of this, linear.")


class Softplus(_Pointwise):
    type = "softplus"
    doc = "log(1 + e^x): a smooth, always-positive ReLU."
    Params = SoftplusParams

    def build(self, p: SoftplusParams, inputs: Sequence[Shape]) -> nn.Module:
        return nn.Softplus(beta=p.beta, threshold=p.threshold)

    def code(self, p: SoftplusParams, inputs: Sequence[Shape]) -> LayerCode:
        defaults = {"beta": 1.0, "threshold": 20.0}
        return LayerCode(call("nn.Softplus", beta=p.beta, threshold=p.threshold, defaults=defaults))


class StepParams(LayerParams):
    """Params of the perceptron's step."""

    gradient: Literal["zero", "straight_through"] = Field(
        "zero",
        description="zero: the true gradient, so layers below do not learn; "
        "straight_through: pass the gradient on as if the step were the identity.",
    )


class _StepFunction(torch.autograd.Function):
    """Heaviside step with a chosen backward rule."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, straight_through: bool) -> torch.Tensor:
        ctx.straight_through = straight_through
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return (grad if ctx.straight_through else torch.zeros_like(grad)), None


class StepModule(nn.Module):
    """1 where x > 0, else 0."""

    def __init__(self, straight_through: bool) -> None:
        super().__init__()
        self.straight_through = straight_through

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = _StepFunction.apply(x, self.straight_through)  # type: ignore[no-untyped-call]
        return out

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"


class Step(_Pointwise):
    type = "step"
    doc = (
        "The perceptron's threshold, 1 if x > 0 else 0. Not trainable by gradient: its "
        "gradient is zero, so nothing below it learns, unless gradient=straight_through "
        "passes the gradient on unchanged."
    )
    Params = StepParams
    trainable_by_gradient = False
    examples = (*POINTWISE_EXAMPLES, Example({"gradient": "straight_through"}, ((3,),)))

    def build(self, p: StepParams, inputs: Sequence[Shape]) -> nn.Module:
        return StepModule(p.gradient == "straight_through")

    def code(self, p: StepParams, inputs: Sequence[Shape]) -> LayerCode:
        expr = call("StepModule", straight_through=p.gradient == "straight_through")
        return LayerCode(expr, needs=(_StepFunction, StepModule))
