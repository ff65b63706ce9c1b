"""What every registered layer type provides, and helpers shared by their rules."""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from models.errors import ShapeError
from models.fieldmath import Field2d
from models.layers.code import LayerCode

Shape = tuple[int, ...]
Category = Literal[
    "core", "convolution", "pooling", "activation", "normalization", "regularization", "merge"
]
CATEGORIES: tuple[Category, ...] = (
    "core",
    "convolution",
    "pooling",
    "activation",
    "normalization",
    "regularization",
    "merge",
)

# Bounds that keep a single layer sane; network-wide limits live with runs.
MAX_WIDTH = 65536
MAX_KERNEL = 64
MAX_STRIDE = 64
MAX_PADDING = 64

PositiveInt = Annotated[int, Field(ge=1, le=MAX_WIDTH)]
KernelInt = Annotated[int, Field(ge=1, le=MAX_KERNEL)]
StrideInt = Annotated[int, Field(ge=1, le=MAX_STRIDE)]
PaddingInt = Annotated[int, Field(ge=0, le=MAX_PADDING)]
Kernel = KernelInt | tuple[KernelInt, KernelInt]
Stride = StrideInt | tuple[StrideInt, StrideInt]
Padding = PaddingInt | tuple[PaddingInt, PaddingInt]
Probability = Annotated[float, Field(ge=0.0, lt=1.0)]


def pair(v: int | tuple[int, int]) -> tuple[int, int]:
    """An int or (h, w) pair as a pair."""
    return (v, v) if isinstance(v, int) else (v[0], v[1])


class LayerParams(BaseModel):
    """Base of every layer's params: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(LayerParams):
    """A layer without params."""


@dataclass(frozen=True)
class Example:
    """A params/input-shapes pair the tests build and run against PyTorch."""

    params: dict[str, Any]
    inputs: tuple[Shape, ...]


P = TypeVar("P", bound=LayerParams)


class Layer(ABC, Generic[P]):
    """One registered layer type: params, shape rule, size, builder, field rule."""

    type: ClassVar[str]
    category: ClassVar[Category]
    doc: ClassVar[str]
    Params: ClassVar[builtins.type[LayerParams]] = NoParams
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    # False for layers whose true gradient is zero everywhere (the step).
    trainable_by_gradient: ClassVar[bool] = True
    # Whether each weight is applied at every output position (a convolution's are);
    # False where each position has weights of its own, each used once per sample.
    shares_weights: ClassVar[bool] = True
    examples: ClassVar[tuple[Example, ...]] = ()

    def parse(self, raw: dict[str, Any]) -> P:
        """Params from a spec's dict (raises pydantic.ValidationError)."""
        parsed: P = self.Params.model_validate(raw)  # type: ignore[assignment]
        return parsed

    @abstractmethod
    def output_shape(self, p: P, inputs: Sequence[Shape]) -> Shape:
        """Output shape for these input shapes, or ShapeError saying why not."""

    def param_count(self, p: P, inputs: Sequence[Shape]) -> int:
        """Trainable parameters, computed without allocating them."""
        return 0

    @abstractmethod
    def build(self, p: P, inputs: Sequence[Shape]) -> nn.Module:
        """A fresh PyTorch module taking the inputs positionally."""

    @abstractmethod
    def code(self, p: P, inputs: Sequence[Shape]) -> LayerCode:
        """The module `build` makes, as source: same class, arguments and weights' start."""

    def receptive(self, p: P, fields: Sequence[Field2d], inputs: Sequence[Shape]) -> Field2d:
        """Receptive field of the output given those of the inputs (pointwise by default)."""
        return fields[0]


def one_input(inputs: Sequence[Shape]) -> Shape:
    """The single input shape of a one-input layer."""
    return inputs[0]


def describe_shape(shape: Shape) -> str:
    """A shape in words, for error messages."""
    if len(shape) == 1:
        return f"a vector of {shape[0]} features"
    if len(shape) == 3:
        return f"an image tensor [C, H, W] = {list(shape)}"
    return f"a tensor of shape {list(shape)}"


def require_image(layer: str, shape: Shape) -> tuple[int, int, int]:
    """The (C, H, W) of an image-shaped input, or a ShapeError explaining what is needed."""
    if len(shape) != 3:
        hint = (
            " 2-D points have no spatial grid; use linear layers, or pick an image dataset."
            if len(shape) == 1
            else ""
        )
        raise ShapeError(
            None, f"{layer} needs an image [C, H, W] but gets {describe_shape(shape)}.{hint}"
        )
    return shape[0], shape[1], shape[2]


def window_out(
    layer: str,
    axis: str,
    size: int,
    *,
    k: int,
    s: int,
    p: int,
    d: int,
    kernel_field: str = "kernel_size",
) -> int:
    """Output length of a sliding window, or a ShapeError with the arithmetic spelled out."""
    eff = d * (k - 1) + 1
    padded = size + 2 * p
    if eff > padded:
        span = f"dilation {d} x (kernel {k} - 1) + 1 = {eff}" if d > 1 else f"{eff}"
        raise ShapeError(
            kernel_field,
            f"the {layer} window spans {span} pixels but the padded input is only {padded} "
            f"pixels {axis} ({size} + 2 x padding {p}); use a smaller kernel"
            f"{' or dilation' if d > 1 else ''}, more padding, "
            "or fewer downsampling layers before it.",
        )
    return (padded - eff) // s + 1


def numel(shape: Shape) -> int:
    """Number of values in one sample of this shape."""
    return prod(shape)
