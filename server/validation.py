"""Checks a run body against the network, the dataset and the server's limits."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from models.analysis import ValidationReport, validate_network
from models.datasets import DatasetError, DatasetInfo, describe_dataset
from models.device import resolve_device
from models.errors import InvalidSpecError, SpecError
from models.objectives import make_objective
from server.schemas import RunConfig
from server.settings import Settings


def pydantic_errors(exc: ValidationError, prefix: str = "") -> list[SpecError]:
    """A pydantic error list in the contract's {node, field, message} form."""
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"] if part != "body"]
        field = ".".join([prefix, *loc] if prefix else loc) or None
        message = "unknown field" if err["type"] == "extra_forbidden" else str(err["msg"])
        out.append(SpecError(node=None, field=field, message=message))
    return out


def dataset_info(config: RunConfig, settings: Settings) -> DatasetInfo | SpecError:
    """The run's dataset description, or the error naming the bad field."""
    try:
        return describe_dataset(config.dataset.name, config.dataset.params, settings.data_dir)
    except DatasetError as exc:
        field = "dataset.name" if exc.field == "name" else f"dataset.params.{exc.field}"
        return SpecError(node=None, field=field, message=exc.message)


def validate_with_dataset(
    network: Any, dataset: dict[str, Any] | None, settings: Settings
) -> ValidationReport:
    """The validate endpoint: the spec alone, or with the input shape from a dataset."""
    if dataset is None:
        return validate_network(network)
    name, params = dataset.get("name"), dataset.get("params") or {}
    try:
        info = describe_dataset(str(name), params, settings.data_dir)
    except DatasetError as exc:
        report = validate_network(network)
        field = "dataset.name" if exc.field == "name" else f"dataset.params.{exc.field}"
        report.errors.append(SpecError(node=None, field=field, message=exc.message))
        report.valid = False
        return report
    report = validate_network(network, list(info.input_shape))
    if report.valid:
        report.errors += _objective_errors(network, report, info)
        report.valid = not report.errors
    return report


def _objective_errors(network: Any, report: ValidationReport, info: DatasetInfo) -> list[SpecError]:
    """Whether the output and its loss fit the dataset (for a network that is otherwise valid)."""
    output = next(n for n in network["nodes"] if n["type"] == "output")
    out_shape = report.nodes[output["id"]].shape
    assert out_shape is not None
    loss = (output.get("params") or {}).get("loss", "cross_entropy")
    try:
        make_objective(loss, info, tuple(out_shape), output["id"])
    except InvalidSpecError as exc:
        return exc.errors
    return []


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
    info = dataset_info(config, settings)
    if isinstance(info, SpecError):
        return [*errors, info]
    if info.n_train > limits.max_samples:
        errors.append(
            SpecError(
                field="dataset.params",
                message=f"{info.n_train} training samples; this server allows {limits.max_samples}",
            )
        )
    report = validate_network(config.network, list(info.input_shape))
    errors += report.errors
    if not report.valid:
        return errors
    if report.total_params > limits.max_params:
        errors.append(
            SpecError(
                field="network",
                message=f"the network has {report.total_params:,} parameters; this server allows "
                f"{limits.max_params:,}. Use fewer units or channels.",
            )
        )
    return errors + _objective_errors(config.network, report, info)
