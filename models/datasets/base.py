"""Types shared by every built-in dataset, plus params validation and splitting."""

from __future__ import annotations

import dataclasses
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from models.errors import requirement

Task = Literal["classification", "regression", "segmentation"]

P = TypeVar("P", bound=BaseModel)

# Largest seed accepted; numpy takes any non-negative int, but a bound keeps the
# JSON Schema finite and the UI's number field sane.
MAX_SEED = 2**32 - 1


class DatasetError(ValueError):
    """Bad dataset request; names the field (a params key, or "name") and says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DatasetInfo(BaseModel):
    """What a dataset holds: task, per-sample shapes, classes and split sizes."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Registry name of the dataset.")
    task: Task = Field(description="What a model learns from it.")
    input_shape: tuple[int, ...] = Field(description="Shape of one input, without batch dim.")
    target_shape: tuple[int, ...] = Field(description="Shape of one target, without batch dim.")
    n_classes: int = Field(description="Number of classes; 0 for regression.")
    class_names: list[str] = Field(description="One name per class, in label order.")
    n_train: int = Field(description="Number of training samples.")
    n_test: int = Field(description="Number of test samples.")
    description: str = Field(description="One line, for students.")


def _target_dtype(task: Task) -> torch.dtype:
    """Dtype of the targets for a task."""
    return torch.float32 if task == "regression" else torch.int64


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test tensors of one dataset, with the info that describes them."""

    # eq=False: the generated __eq__ would compare tensors, whose truth value is
    # ambiguous; identity equality (and hashing) is what callers can rely on.
    info: DatasetInfo
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def __post_init__(self) -> None:
        # Check the contract once here, so that every dataset, built in or not,
        # hands trainers tensors that agree with its info.
        info = self.info
        for split, x, y, n in (
            ("train", self.x_train, self.y_train, info.n_train),
            ("test", self.x_test, self.y_test, info.n_test),
        ):
            if x.dtype != torch.float32 or tuple(x.shape) != (n, *info.input_shape):
                raise ValueError(
                    f"x_{split} is {x.dtype} {tuple(x.shape)}, "
                    f"expected float32 {(n, *info.input_shape)}"
                )
            want = _target_dtype(info.task)
            if y.dtype != want or tuple(y.shape) != (n, *info.target_shape):
                raise ValueError(
                    f"y_{split} is {y.dtype} {tuple(y.shape)}, "
                    f"expected {want} {(n, *info.target_shape)}"
                )

    def to(self, device: torch.device | str) -> Dataset:
        """Return a new Dataset with all tensors moved to `device`."""
        return dataclasses.replace(
            self,
            x_train=self.x_train.to(device),
            y_train=self.y_train.to(device),
            x_test=self.x_test.to(device),
            y_test=self.y_test.to(device),
        )


class DatasetDef(ABC):
    """One built-in dataset: its params model, a cheap describe() and load()."""

    name: ClassVar[str]
    task: ClassVar[Task]
    description: ClassVar[str]
    Params: ClassVar[type[BaseModel]]

    @abstractmethod
    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Return the info load() would give, without generating or reading the data."""

    @abstractmethod
    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Generate or read the dataset."""

    def parse_params(self, params: Mapping[str, Any] | BaseModel | None) -> BaseModel:
        """Validate user params into this dataset's Params model, or raise DatasetError."""
        return validate_params(self.Params, params, self.name)


def params_config() -> ConfigDict:
    """Config every Params model uses: unknown keys rejected, NaN and inf refused."""
    return ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def validate_params(
    model: type[P], params: Mapping[str, Any] | BaseModel | None, dataset: str
) -> P:
    """Validate params into `model`; raise DatasetError naming the first bad key."""
    if params is None:
        data: Any = {}
    elif isinstance(params, model):
        # Re-validate even an instance of the right model: it may have been
        # built with model_construct(), which skips the bounds.
        data = params.model_dump()
    elif isinstance(params, BaseModel):
        data = params.model_dump()
    elif isinstance(params, Mapping):
        data = dict(params)
    else:
        raise DatasetError("params", f"must be a mapping of names to values, not {type(params)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DatasetError(_error_field(first), _plain_message(first, model, dataset)) from None


def _error_field(error: ErrorDetails) -> str:
    """The params key an error is about; model-level checks name it in their ctx."""
    loc = error["loc"]
    if loc:
        return str(loc[0])
    ctx = error.get("ctx") or {}
    return str(ctx.get("field", "params"))


def _plain_message(error: ErrorDetails, model: type[BaseModel], dataset: str) -> str:
    """Say what is wrong with one value in words a student follows."""
    kind = error["type"]
    if kind == "extra_forbidden":
        known = ", ".join(model.model_fields) or "none"
        return f"is not a parameter of {dataset!r} (its parameters: {known})"
    if kind == "invalid_key":
        return "parameter names must be strings"
    phrase = requirement(error)
    if phrase is not None:
        return phrase
    return str(error["msg"])


def split_sizes(n: int, train_fraction: float) -> tuple[int, int]:
    """Train and test sizes: the first floor(n * train_fraction) samples train."""
    # The epsilon keeps float error from dropping a sample (e.g. 0.29 * 100 is
    # 28.999999999999996); TensorFlow Playground floors the same product.
    n_train = math.floor(n * train_fraction + 1e-9)
    return n_train, n - n_train


def shuffle_split(
    n: int, train_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.intp]]]:
    """Shuffle indices 0..n-1 with rng and cut them into train and test indices."""
    order = rng.permutation(n)
    n_train, _ = split_sizes(n, train_fraction)
    return order[:n_train], order[n_train:]


def seed_field() -> Any:
    """The `seed` param every dataset shares."""
    return Field(
        0, ge=0, le=MAX_SEED, description="Random seed; the same seed gives the same data."
    )


def train_fraction_field(default: float) -> Any:
    """The `train_fraction` param of the generated datasets."""
    return Field(
        default,
        ge=0.1,
        le=0.9,
        description="Fraction of the samples used for training; the rest are for testing.",
    )
