"""Losses and accuracy for each (loss, task) pair, and the checks that they fit the output."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
import torch.nn.functional as F

from models.datasets import DatasetInfo
from models.errors import InvalidSpecError, SpecError
from models.layers import Shape


class Objective(ABC):
    """How a network's output is scored against a dataset's targets."""

    has_accuracy: bool = True

    def targets(self, labels: torch.Tensor) -> torch.Tensor:
        """The dataset's labels as this loss wants them (done once per dataset, not per step)."""
        return labels

    @abstractmethod
    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean loss of a batch."""

    def correct(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Number of right predictions in a batch (per pixel for dense outputs)."""
        return (out.argmax(dim=1) == labels).sum()

    # The same three as source, in terms of `labels`, `out` and `target` (an export's loop).
    def targets_code(self) -> str:
        """`targets` as an expression of `labels`."""
        return "labels"

    @abstractmethod
    def loss_code(self) -> str:
        """`loss` as an expression of `out` and `target`."""

    def correct_code(self) -> str | None:
        """`correct` as an expression of `out` and `labels` (None: no accuracy)."""
        return "(out.argmax(dim=1) == labels).sum()"


class CrossEntropy(Objective):
    """Softmax cross-entropy over classes (per pixel for [C, H, W] outputs)."""

    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out, target)

    def loss_code(self) -> str:
        return "F.cross_entropy(out, target)"


class BinaryCrossEntropy(Objective):
    """Sigmoid cross-entropy of one logit against two classes."""

    def targets(self, labels: torch.Tensor) -> torch.Tensor:
        return labels.to(torch.float32).unsqueeze(1)

    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(out, target)

    def correct(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return ((out[:, 0] > 0) == (labels == 1)).sum()

    def targets_code(self) -> str:
        return "labels.to(torch.float32).unsqueeze(1)"

    def loss_code(self) -> str:
        return "F.binary_cross_entropy_with_logits(out, target)"

    def correct_code(self) -> str | None:
        return "((out[:, 0] > 0) == (labels == 1)).sum()"


class MeanSquared(Objective):
    """Mean squared error against real-valued targets."""

    has_accuracy = False

    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(out, target)

    def correct(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        raise TypeError("regression has no accuracy")

    def loss_code(self) -> str:
        return "F.mse_loss(out, target)"

    def correct_code(self) -> str | None:
        return None


class OneHotSquared(MeanSquared):
    """Squared error against one-hot class vectors; accuracy by argmax."""

    has_accuracy = True

    def __init__(self, n_classes: int) -> None:
        self.n_classes = n_classes

    def targets(self, labels: torch.Tensor) -> torch.Tensor:
        return F.one_hot(labels, self.n_classes).to(torch.float32)

    def correct(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return Objective.correct(self, out, labels)

    def targets_code(self) -> str:
        return f"F.one_hot(labels, {self.n_classes}).to(torch.float32)"

    def correct_code(self) -> str | None:
        return Objective.correct_code(self)


class SignSquared(MeanSquared):
    """Squared error against labels -1/+1 from one output (TensorFlow Playground's setup)."""

    has_accuracy = True

    def targets(self, labels: torch.Tensor) -> torch.Tensor:
        return (labels.to(torch.float32) * 2 - 1).unsqueeze(1)

    def correct(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return ((out[:, 0] > 0) == (labels == 1)).sum()

    def targets_code(self) -> str:
        return "(labels.to(torch.float32) * 2 - 1).unsqueeze(1)"

    def correct_code(self) -> str | None:
        return "((out[:, 0] > 0) == (labels == 1)).sum()"


def _values(shape: Shape) -> str:
    """An output shape in words."""
    return (
        f"{shape[0]} value{'s' if shape[0] != 1 else ''}"
        if len(shape) == 1
        else f"shape {list(shape)}"
    )


def make_objective(loss: str, info: DatasetInfo, out_shape: Shape, output_node: str) -> Objective:
    """The objective for this loss on this dataset; InvalidSpecError if the output does not fit."""

    def fail(message: str, field: str = "shape") -> InvalidSpecError:
        return InvalidSpecError([SpecError(node=output_node, field=field, message=message)])

    k = info.n_classes
    if info.task == "regression":
        if loss != "mse":
            raise fail(
                f"'{info.name}' is a regression task (real-valued targets); use the mse loss.",
                "loss",
            )
        if out_shape != info.target_shape:
            raise fail(
                f"'{info.name}' has targets of shape {list(info.target_shape)}, but the network "
                f"gives {_values(out_shape)}; make the last layer produce "
                f"{list(info.target_shape)}."
            )
        return MeanSquared()

    if info.task == "segmentation":
        want = (k, *info.target_shape)
        if loss != "cross_entropy":
            raise fail(
                "segmentation labels every pixel with a class; use the cross_entropy loss.", "loss"
            )
        if out_shape != want:
            raise fail(
                f"'{info.name}' labels each of the {info.target_shape[0]}x{info.target_shape[1]} "
                f"pixels with one of {k} classes, so the output must be {list(want)}, "
                f"but it is {list(out_shape)}."
            )
        return CrossEntropy()

    if loss == "cross_entropy":
        if out_shape != (k,):
            raise fail(
                f"'{info.name}' has {k} classes, so the output needs {k} values (one score per "
                f"class), but it gets {_values(out_shape)}; set the last layer's size to {k}."
            )
        return CrossEntropy()
    if loss == "bce":
        if k != 2:
            raise fail(
                f"bce is for two classes but '{info.name}' has {k}; use cross_entropy.", "loss"
            )
        if out_shape != (1,):
            raise fail(f"bce needs a single output value (a logit), but gets {_values(out_shape)}.")
        return BinaryCrossEntropy()
    if out_shape == (1,) and k == 2:
        return SignSquared()
    if out_shape == (k,):
        return OneHotSquared(k)
    raise fail(
        f"mse on '{info.name}' needs {k} outputs (one per class) or, for two classes, one; "
        f"the network gives {_values(out_shape)}."
    )
