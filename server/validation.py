"""Checks a run body against the server's limits; whether it fits its dataset is models' call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.analysis import ValidationReport, dataset_error, validate_network, validate_on_dataset
from models.cost import estimate_step, readable_bytes
from models.datasets import DatasetError, describe_dataset
from models.device import resolve_device
from models.errors import SpecError
from models.run import RunConfig
from models.shapes import infer_shapes
from server.settings import Settings


def validate_with_dataset(
    network: Any, dataset: dict[str, Any] | None, settings: Settings
) -> ValidationReport:
    """The validate endpoint: the spec alone, or with the input shape from a dataset."""
    if dataset is None:
        return validate_network(network)
    return validate_on_dataset(
        network, str(dataset.get("name")), dataset.get("params") or {}, settings.data_dir
    )


def cost_errors(
    config: RunConfig,
    input_shape: Sequence[int],
    settings: Settings,
    flops_per_s: float,
    device: str,
) -> list[SpecError]:
    """Whether one step fits the server's memory and time per step (valid networks only)."""
    shapes = infer_shapes(config.network, input_shape)
    batch = config.training.batch_size
    cost = estimate_step(shapes, batch)
    limits, errors = settings.limits, []
    if cost.memory_bytes > limits.max_step_bytes:
        errors.append(
            SpecError(
                node=cost.largest,
                field=None,
                message=f"one training step at batch size {batch} needs about "
                f"{readable_bytes(cost.memory_bytes)} of memory (most of it the outputs of "
                f"'{cost.largest}' and their gradients); this server allows "
                f"{readable_bytes(limits.max_step_bytes)}. Use fewer channels or units, "
                "smaller images, or a smaller batch.",
            )
        )
    seconds = cost.flops / flops_per_s
    if seconds > limits.max_step_s:
        errors.append(
            SpecError(
                node=cost.busiest,
                field=None,
                message=f"one training step at batch size {batch} would take about "
                f"{seconds:.3g} s on this server's {device} ({cost.flops / 1e9:.3g} billion "
                f"operations, most of them in '{cost.busiest}'); the limit is "
                f"{limits.max_step_s:g} s, so that other runs keep moving. Use smaller "
                "kernels, fewer channels, or a smaller batch.",
            )
        )
    return errors


def step_cost_errors(
    config: RunConfig, settings: Settings, flops_per_s: float, device: str
) -> list[SpecError]:
    """What one step of this (valid) run would cost beyond the limits, given its dataset."""
    try:
        info = describe_dataset(config.dataset.name, config.dataset.params, settings.data_dir)
    except DatasetError as exc:
        return [dataset_error(exc)]
    return cost_errors(config, info.input_shape, settings, flops_per_s, device)


def check_run(
    config: RunConfig,
    settings: Settings,
    flops_per_s: float,
    device: str,
) -> list[SpecError]:
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
    if report.valid:
        errors += cost_errors(config, info.input_shape, settings, flops_per_s, device)
    return errors + report.errors
