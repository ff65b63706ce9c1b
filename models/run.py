"""A run's configuration (the POST /api/runs body), parsed once, and whether it fits its dataset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.analysis import validate_on_dataset
from models.errors import InvalidSpecError, SpecError, plain_message
from models.optim import TrainingConfig
from models.spec import NetworkSpec, ParamValue, load_spec


class DatasetRef(BaseModel):
    """Which dataset, with which params."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="A dataset from GET /api/datasets.")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="The dataset's params.")


class RunConfig(BaseModel):
    """A run: network spec, dataset, training settings and device (the POST /api/runs body)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("untitled run", max_length=200)
    network: NetworkSpec = Field(description="A network spec, version 1.")
    dataset: DatasetRef
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")


def field_errors(exc: ValidationError, prefix: str = "") -> list[SpecError]:
    """A pydantic error list in the contract's {node, field, message} form."""
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"] if part != "body"]
        field = ".".join([prefix, *loc] if prefix else loc) or None
        names = [str(p) for p in err["loc"] if isinstance(p, str) and p != "body"]
        message = plain_message(err, names[-1] if names else None)
        out.append(SpecError(node=None, field=field, message=message))
    return out


def parse_run(body: Any) -> RunConfig:
    """The run body as a RunConfig, or InvalidSpecError with every problem.

    Problems inside the network are named by node, as validation names them.
    """
    try:
        return RunConfig.model_validate(body)
    except ValidationError as exc:
        every = field_errors(exc)

        def in_network(e: SpecError) -> bool:
            return e.field == "network" or (e.field or "").startswith("network.")

        errors = [e for e in every if not in_network(e)]
        network = body.get("network") if isinstance(body, Mapping) else None
        loaded = load_spec(network) if isinstance(network, Mapping) else None
        if loaded is not None and loaded.errors:
            errors += loaded.errors
        else:
            errors += [e for e in every if in_network(e)]
        raise InvalidSpecError(errors) from exc


def fit_errors(config: RunConfig, data_dir: Path | None = None) -> list[SpecError]:
    """Every reason the network cannot train on the run's dataset (empty when it can)."""
    return validate_on_dataset(
        config.network, config.dataset.name, config.dataset.params, data_dir
    ).errors
