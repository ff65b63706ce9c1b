"""Request bodies shared by the command line and (later) the REST API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.optim import TrainingConfig


class DatasetRef(BaseModel):
    """Which dataset, with which params."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="A dataset from GET /api/datasets.")
    params: dict[str, Any] = Field(default_factory=dict, description="The dataset's params.")


class RunConfig(BaseModel):
    """A run: network spec, dataset, training settings and device (the POST /api/runs body)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("untitled run", max_length=200)
    network: dict[str, Any] = Field(description="A network spec, version 1.")
    dataset: DatasetRef
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
