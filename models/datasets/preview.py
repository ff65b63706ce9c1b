"""A dataset's preview: the samples a page shows, made without making the whole set."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.datasets.base import Dataset, DatasetError, validate_params
from models.datasets.registry import get_definition

PREVIEW_BYTES = 32 * 1024 * 1024  # a set this large or smaller is made whole, exactly


def load_preview(
    name: str,
    params: Mapping[str, Any] | None,
    shown: int,
    data_dir: Path | None = None,
    max_bytes: int = PREVIEW_BYTES,
) -> tuple[Dataset, bool]:
    """The dataset to take `shown` samples per split from, and whether it is a smaller draw.

    A set within `max_bytes` is made as training makes it, so the preview shows its very
    first samples. A larger generated set is drawn again with only as many samples as the
    preview needs (same settings, so samples of the same kind, not the same samples).
    """
    definition = get_definition(name, data_dir)
    parsed = definition.parse_params(params)
    info = definition.describe(parsed, data_dir)
    whole = (info.n_train + info.n_test) * math.prod(info.input_shape) * 4
    if whole <= max_bytes or "n_samples" not in type(parsed).model_fields:
        return definition.load(parsed, data_dir), False
    fraction = float(getattr(parsed, "train_fraction", 0.5))
    needed = math.ceil(shown / max(min(fraction, 1 - fraction), 0.05)) + 2
    try:
        fewer = validate_params(
            definition.Params, {**parsed.model_dump(), "n_samples": needed}, name
        )
    except DatasetError:  # below the set's own minimum: that minimum is small anyway
        fewer = parsed
    return definition.load(fewer, data_dir), True
