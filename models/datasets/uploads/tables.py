"""A CSV upload: numeric feature columns and a label column, chosen by name."""

from __future__ import annotations

import csv
import io
import math
import re
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.datasets.base import Task
from models.datasets.uploads.checks import (
    INFER_CLASSES,
    MAX_CLASSES,
    Parsed,
    UploadError,
    UploadLimits,
    check_classes,
    check_counts,
)

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
MAX_CELL = 40  # characters of a bad cell quoted in an error
MAX_COLUMNS = 10_000


def _quoted(cell: str) -> str:
    """A cell as an error quotes it, cut short when long."""
    return repr(cell if len(cell) <= MAX_CELL else cell[:MAX_CELL] + "…")


def _number(cell: str, row: int, column: str) -> float:
    """A feature cell as a finite float, or UploadError naming its row and column."""
    text = cell.strip()
    where = f"row {row}, column {column!r}"
    if not text:
        raise UploadError("file", f"{where} is empty; every feature cell needs a number")
    if text.lower() in ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        raise UploadError("file", f"{where} is {text}; only finite numbers can be learned from")
    if NUMBER.fullmatch(text) is None:
        raise UploadError("file", f"{where} holds {_quoted(text)}, which is not a number")
    value = float(text)
    if not math.isfinite(value) or abs(value) > np.finfo(np.float32).max:
        raise UploadError("file", f"{where} holds {_quoted(text)}, too large for a number here")
    return value


def _header(row: Sequence[str] | None) -> list[str]:
    """The column names, each present once."""
    if row is None or not any(cell.strip() for cell in row):
        raise UploadError("file", "the CSV is empty; its first row must name the columns")
    names = [name.strip() for name in row]
    for i, name in enumerate(names):
        if not name:
            raise UploadError("file", f"column {i + 1} of the header row has no name")
        if name in names[:i]:
            raise UploadError("file", f"the header row names column {name!r} twice")
    if len(names) > MAX_COLUMNS:
        raise UploadError("file", f"the CSV has {len(names)} columns; at most {MAX_COLUMNS}")
    return names


def _columns(
    names: list[str], label: str | None, features: Sequence[str] | None
) -> tuple[str, int, list[int]]:
    """The label column's name and index, and the feature columns' indices."""
    known = ", ".join(repr(n) for n in names)
    if not label:
        raise UploadError("label", f"name the label column (the CSV's columns: {known})")
    if label not in names:
        raise UploadError("label", f"the CSV has no column {label!r}; its columns: {known}")
    chosen = [n for n in names if n != label] if not features else list(features)
    for name in chosen:
        if name == label:
            raise UploadError("features", f"{name!r} is the label column; it cannot be a feature")
        if name not in names:
            raise UploadError("features", f"the CSV has no column {name!r}; its columns: {known}")
    if len(set(chosen)) != len(chosen):
        raise UploadError("features", "a feature column is named twice")
    if not chosen:
        raise UploadError("features", "the CSV has no column besides the label to learn from")
    return label, names.index(label), [names.index(n) for n in chosen]


def _integer(text: str) -> bool:
    """Whether a label reads as a whole number."""
    return NUMBER.fullmatch(text) is not None and float(text).is_integer()


def _infer_task(labels: list[str]) -> Task:
    """Classes for text labels or few whole numbers; regression for other numbers."""
    numeric = all(NUMBER.fullmatch(t) for t in labels)
    if not numeric:
        return "classification"
    few = len(set(labels)) <= INFER_CLASSES
    return "classification" if few and all(_integer(t) for t in labels) else "regression"


def _classes(labels: list[str], label: str) -> tuple[np.ndarray[Any, Any], list[str]]:
    """Class indices and names (numbers in numeric order, text in alphabetical order)."""
    if all(NUMBER.fullmatch(t) for t in labels):
        by_value: dict[float, str] = {}
        for t in labels:
            by_value.setdefault(float(t), t)
        values = sorted(by_value)
        names = [by_value[v] if not v.is_integer() else str(int(v)) for v in values]
        index = {v: i for i, v in enumerate(values)}
        y = np.array([index[float(t)] for t in labels], dtype=np.int64)
    else:
        names = sorted(set(labels))
        index_of = {n: i for i, n in enumerate(names)}
        y = np.array([index_of[t] for t in labels], dtype=np.int64)
    if len(names) > MAX_CLASSES:
        raise UploadError(
            "label",
            f"column {label!r} has {len(names)} different values; a class label may have "
            f"at most {MAX_CLASSES} (is it the right column?)",
        )
    return y, names


def parse_csv(
    text: str,
    limits: UploadLimits,
    label: str | None,
    features: Sequence[str] | None = None,
    task: Task | None = None,
) -> Parsed:
    """Read and check a CSV: finite numeric features, one label per row; the task inferred."""
    if task == "segmentation":
        raise UploadError("task", "a CSV is classification or regression, not segmentation")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        names = _header(next(reader, None))
        label, label_at, feature_at = _columns(names, label, features)
        values = array("d")
        n = 0
        labels: list[str] = []
        rows: list[int] = []
        for cells in reader:
            row = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(names):
                raise UploadError(
                    "file", f"row {row} has {len(cells)} cells; the header has {len(names)}"
                )
            if n >= limits.max_samples:
                raise UploadError(
                    "file",
                    f"the CSV has more than {limits.max_samples:,} rows; this server "
                    f"takes at most {limits.max_samples:,} rows",
                )
            values.extend(_number(cells[i], row, names[i]) for i in feature_at)
            n += 1
            if len(values) > limits.max_values:
                check_counts(n, len(values), limits, "the CSV")
            target = cells[label_at].strip()
            if not target:
                raise UploadError("file", f"row {row}, column {label!r} (the label) is empty")
            labels.append(target)
            rows.append(row)
    except csv.Error as exc:
        raise UploadError("file", f"the CSV cannot be read: {exc}") from None
    check_counts(n, len(values), limits, "the CSV")
    x = np.frombuffer(values, dtype=np.float64).astype(np.float32).reshape(n, len(feature_at))
    chosen = task or _infer_task(labels)
    if chosen == "regression":
        targets = [_number(t, r, label) for t, r in zip(labels, rows, strict=True)]
        y = np.array(targets, dtype=np.float32).reshape(-1, 1)
        class_names: list[str] = []
    else:
        y, class_names = _classes(labels, label)
        check_classes(class_names, f"column {label!r}")
    return Parsed(
        kind="csv",
        task=chosen,
        x=x,
        y=y,
        class_names=class_names,
        features=[names[i] for i in feature_at],
        label=label,
    )
