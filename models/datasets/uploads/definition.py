"""An uploaded dataset as the registry serves it: `upload-<id>`, read from the data directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import BaseModel, Field

from models.datasets.base import (
    Dataset,
    DatasetDef,
    DatasetError,
    DatasetInfo,
    Task,
    params_config,
    seed_field,
    shuffle_split,
    split_sizes,
    train_fraction_field,
    validate_params,
)
from models.datasets.uploads.store import UploadMeta, load_arrays, read_meta

GONE = "no uploaded dataset {name!r} here: it was deleted, or uploaded to another server"


class ImageParams(BaseModel):
    """Params of an uploaded zip of images (and those every upload has)."""

    model_config = params_config()

    train_fraction: float = train_fraction_field(0.8)
    seed: int = seed_field()


class TableParams(ImageParams):
    """Params of an uploaded CSV."""

    standardize: bool = Field(
        True,
        description="Scale each feature to mean 0 and standard deviation 1 (over the "
        "training part), so that no column dominates by its units alone.",
    )


def _meta(name: str, dataset_id: str, data_dir: Path | None) -> UploadMeta:
    """The upload's meta, or DatasetError saying it is not here."""
    meta = None if data_dir is None else read_meta(data_dir, dataset_id)
    if meta is None:
        raise DatasetError("name", GONE.format(name=name))
    return meta


class Uploaded(DatasetDef):
    """A dataset someone uploaded, stored under `<data_dir>/uploads/<id>/`."""

    name: ClassVar[str] = "upload"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "A dataset uploaded to this server."
    Params: ClassVar[type[ImageParams]] = ImageParams

    def __init__(self, dataset_name: str, dataset_id: str) -> None:
        self.dataset_name = dataset_name
        self.dataset_id = dataset_id

    def parse_params(self, params: Mapping[str, Any] | BaseModel | None) -> ImageParams:
        """Validate params, naming this upload in errors."""
        return validate_params(self.Params, params, self.dataset_name)

    def _info(self, meta: UploadMeta, train_fraction: float) -> DatasetInfo:
        """Info from the stored meta and the split."""
        n_train, n_test = split_sizes(meta.n_samples, train_fraction)
        return DatasetInfo(
            name=self.dataset_name,
            task=meta.task,
            input_shape=meta.input_shape,
            target_shape=meta.target_shape,
            n_classes=len(meta.class_names),
            class_names=meta.class_names,
            n_train=n_train,
            n_test=n_test,
            description=meta.description,
        )

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from meta.json alone."""
        p = self.parse_params(params)
        return self._info(_meta(self.dataset_name, self.dataset_id, data_dir), p.train_fraction)

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Read the arrays, shuffle with the seed, split; pixels to 0-1, features scaled."""
        p = self.parse_params(params)
        meta = _meta(self.dataset_name, self.dataset_id, data_dir)
        try:
            x, y = load_arrays(data_dir, self.dataset_id)
        except FileNotFoundError:
            raise DatasetError("name", GONE.format(name=self.dataset_name)) from None
        info = self._info(meta, p.train_fraction)
        if len(x) != meta.n_samples:
            raise DatasetError("name", f"{self.dataset_name}'s files do not match: upload it again")
        train, test = shuffle_split(len(x), p.train_fraction, np.random.default_rng(p.seed))
        inputs = self._inputs(x, train, p)
        targets = torch.from_numpy(y.astype(np.float32 if meta.task == "regression" else np.int64))
        tr, te = torch.from_numpy(train), torch.from_numpy(test)
        return Dataset(info, inputs[tr], targets[tr], inputs[te], targets[te])

    def _inputs(
        self, x: np.ndarray[Any, Any], train: np.ndarray[Any, Any], p: ImageParams
    ) -> torch.Tensor:
        """Inputs as float32: pixels scaled to 0-1."""
        return torch.from_numpy(x.astype(np.float32) / np.float32(255.0))


class UploadedTable(Uploaded):
    """An uploaded CSV: feature columns and a label."""

    Params: ClassVar[type[ImageParams]] = TableParams

    def _inputs(
        self, x: np.ndarray[Any, Any], train: np.ndarray[Any, Any], p: ImageParams
    ) -> torch.Tensor:
        """Features as float32, standardized on the training rows when asked."""
        values = x.astype(np.float32)
        if isinstance(p, TableParams) and p.standardize and len(train):
            # In float64: a float32 column near its largest values would overflow its sums.
            wide = values.astype(np.float64)
            mean = wide[train].mean(axis=0)
            std = wide[train].std(axis=0)
            values = ((wide - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
        return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))


def uploaded_definition(name: str, dataset_id: str, data_dir: Path | None) -> Uploaded:
    """The registry entry for an upload (a table or images, as its meta says)."""
    return definition_of(_meta(name, dataset_id, data_dir))


def definition_of(meta: UploadMeta) -> Uploaded:
    """The registry entry for an upload whose meta is read already."""
    kind = UploadedTable if meta.kind == "csv" else Uploaded
    return kind(meta.name, meta.id)
