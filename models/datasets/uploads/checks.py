"""What an upload may hold, and the error that says where a file is wrong."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np

from models.datasets.base import Task

Kind = Literal["csv", "images", "segmentation"]

MIN_SAMPLES = 10  # fewer cannot be split into a training and a test part worth the name
MAX_CLASSES = 100  # more distinct labels than this is a regression target or an id column
INFER_CLASSES = 20  # integer labels with at most this many values are taken for classes


class UploadError(ValueError):
    """A file that cannot become a dataset: which form field, and what is wrong where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclasses.dataclass(frozen=True)
class UploadLimits:
    """Bounds on one upload (the server passes its settings)."""

    max_bytes: int = 32 * 2**20
    max_unzipped_bytes: int = 256 * 2**20
    max_samples: int = 60_000
    max_image_pixels: int = 4096 * 4096
    # All the zip's images together, as decoded (before resizing): decoding is what costs.
    max_decoded_pixels: int = 16 * 4096 * 4096
    max_values: int = 50_000_000
    max_members: int = 100_000


@dataclasses.dataclass(frozen=True, eq=False)
class Parsed:
    """An upload read and checked: its arrays and what they are."""

    kind: Kind
    task: Task
    x: np.ndarray[Any, Any]
    y: np.ndarray[Any, Any]
    class_names: list[str]
    features: list[str] | None = None
    label: str | None = None

    @property
    def n_samples(self) -> int:
        """Samples in the set."""
        return int(self.x.shape[0])


def check_counts(n: int, values: int, limits: UploadLimits, what: str) -> None:
    """Refuse a set with too few or too many samples, or too many numbers in all."""
    if n > limits.max_samples:
        raise UploadError(
            "file", f"{what} has {n:,} samples; this server takes at most {limits.max_samples:,}"
        )
    if values > limits.max_values:
        raise UploadError(
            "file",
            f"{what} would hold {values:,} numbers; this server takes at most "
            f"{limits.max_values:,} numbers (fewer samples or columns, or smaller images)",
        )
    if n < MIN_SAMPLES:
        raise UploadError(
            "file", f"{what} has {n} samples; at least {MIN_SAMPLES} are needed to train and test"
        )


def check_classes(class_names: list[str], what: str) -> None:
    """Refuse a classification set with fewer than two or too many classes."""
    if len(class_names) < 2:
        found = f"only {class_names[0]!r}" if class_names else "none"
        raise UploadError("file", f"{what} needs at least 2 classes; it has {found}")
    if len(class_names) > MAX_CLASSES:
        raise UploadError(
            "file", f"{what} has {len(class_names)} classes; at most {MAX_CLASSES} are allowed"
        )
