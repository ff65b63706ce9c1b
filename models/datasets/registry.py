"""The registry of built-in datasets, uploads by name, and the two functions the rest calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from models.datasets.base import Dataset, DatasetDef, DatasetError, DatasetInfo
from models.datasets.files import Cifar10, FashionMnist, Mnist
from models.datasets.images import Digits, Segmentation, Shapes
from models.datasets.playground import Circle, Gauss, Moons, MultiGauss, Plane, Spiral, Xor
from models.datasets.uploads.definition import uploaded_definition
from models.datasets.uploads.store import upload_id

# Display order: the Playground's 2-D sets (classification, then regression),
# then generated and bundled images, then the sets that need files.
_ORDER: tuple[DatasetDef, ...] = (
    Circle(),
    Xor(),
    Gauss(),
    Spiral(),
    Moons(),
    Plane(),
    MultiGauss(),
    Digits(),
    Shapes(),
    Segmentation(),
    Mnist(),
    FashionMnist(),
    Cifar10(),
)

DATASETS: Mapping[str, DatasetDef] = MappingProxyType({d.name: d for d in _ORDER})


def get_definition(name: str, data_dir: Path | None = None) -> DatasetDef:
    """The entry for `name` (built in, or `upload-<id>` in data_dir), or DatasetError."""
    dataset_id = upload_id(name)
    if dataset_id is not None:
        return uploaded_definition(name, dataset_id, data_dir)
    definition = DATASETS.get(name) if isinstance(name, str) else None
    if definition is None:
        raise DatasetError(
            "name",
            f"unknown dataset {name!r}; known: {', '.join(DATASETS)}, or an uploaded one "
            "(upload-<id>)",
        )
    return definition


def describe_dataset(
    name: str,
    params: Mapping[str, Any] | BaseModel | None = None,
    data_dir: Path | None = None,
) -> DatasetInfo:
    """What load_dataset would return, cheaply: shapes, classes, split sizes."""
    definition = get_definition(name, data_dir)
    return definition.describe(definition.parse_params(params), data_dir)


def load_dataset(
    name: str,
    params: Mapping[str, Any] | BaseModel | None = None,
    data_dir: Path | None = None,
) -> Dataset:
    """Generate or read a dataset: built in, or uploaded to data_dir."""
    definition = get_definition(name, data_dir)
    return definition.load(definition.parse_params(params), data_dir)
