"""Checks a run body against the server's limits; whether it fits its dataset is models' call."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from models.analysis import ValidationReport, dataset_error, validate_network, validate_on_dataset
from models.datasets import DatasetError, describe_dataset
from models.device import resolve_device
from models.errors import SpecError
from models.run import RunConfig, field_errors
from server.settings import Settings


def pydantic_errors(exc: ValidationError, prefix: str = "") -> list[SpecError]:
    """A pydantic error list in the contract's {node, field, message} form."""
    return field_errors(exc, prefix)


def validate_with_dataset(
    network: Any, dataset: dict[str, Any] | None, settings: Settings
) -> ValidationReport:
    """The validate endpoint: the spec alone, or with the input shape from a dataset."""
    if dataset is None:
        return validate_network(network)
    return validate_on_dataset(
        network, str(dataset.get("name")), dataset.get("params") or {}, settings.data_dir
    )


def check_run(config: RunConfig, settings: Settings) -> list[SpecError]:
    """Every reason this run cannot be created (empty when it can)."""
    limits = settings.limits
    errors: list[SpecError] = []
    training = config.training
    if training.max_steps > limits.max_steps:
        errors.append(
            SpecError(
                field="training.max_steps", message=f"at most {limits.max_steps} steps per run"
            )
        )
    if training.batch_size > limits.max_batch_size:
        errors.append(
            SpecError(
                field="training.batch_size",
                message=f"at most {limits.max_batch_size} samples per batch",
            )
        )
    try:
        resolve_device(config.device)
    except ValueError as exc:
        errors.append(SpecError(field="device", message=str(exc)))
    try:
        info = describe_dataset(config.dataset.name, config.dataset.params, settings.data_dir)
    except DatasetError as exc:
        return [*errors, dataset_error(exc)]
    if info.n_train > limits.max_samples:
        errors.append(
            SpecError(
                field="dataset.params",
                message=f"{info.n_train} training samples; this server allows {limits.max_samples}",
            )
        )
    report = validate_network(config.network, dataset=info)
    if report.total_params > limits.max_params:
        errors.append(
            SpecError(
                field="network",
                message=f"the network has {report.total_params:,} parameters; this server "
                f"allows {limits.max_params:,}. Use fewer units or channels.",
            )
        )
    return errors + report.errors
