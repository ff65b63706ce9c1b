"""Validation of a network as the contract reports it: shapes, sizes, fields, problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from models.datasets import DatasetError, DatasetInfo, describe_dataset
from models.errors import InvalidSpecError, SpecError
from models.objectives import make_objective
from models.receptive import receptive_fields
from models.shapes import ShapeReport, infer_shapes


class NodeReport(BaseModel):
    """What validation says of one node."""

    shape: list[int] | None = Field(description="Output shape per sample, or null if unknown.")
    params: int = Field(description="Trainable parameters of this node.")
    receptive_field: dict[str, list[int | float]] | None = Field(
        description="Per axis [h, w]: size, jump, start, padding; null for non-spatial nodes."
    )


class ValidationReport(BaseModel):
    """The answer of POST /api/networks/validate."""

    valid: bool
    nodes: dict[str, NodeReport]
    total_params: int
    errors: list[SpecError]
    warnings: list[SpecError] = Field(default_factory=list)


def dataset_error(exc: DatasetError) -> SpecError:
    """A dataset problem as the contract reports it (field `dataset.name` or `dataset.params.X`)."""
    field = "dataset.name" if exc.field == "name" else f"dataset.params.{exc.field}"
    return SpecError(node=None, field=field, message=exc.message)


def objective_errors(shapes: ShapeReport, info: DatasetInfo) -> list[SpecError]:
    """Whether the output and its loss fit the dataset: classes, regression targets, pixels."""
    graph = shapes.graph
    if graph is None:
        return []
    out_shape = shapes.shapes.get(graph.output_id)
    if out_shape is None:
        return []
    try:
        make_objective(graph.loss, info, out_shape, graph.output_id)
    except InvalidSpecError as exc:
        return exc.errors
    return []


def validate_network(
    spec: Any, input_shape: Sequence[int] | None = None, dataset: DatasetInfo | None = None
) -> ValidationReport:
    """Every node's shape, size and receptive field, and every problem, never raising.

    With a dataset, the input shape is the dataset's and the output must fit its task.
    """
    if dataset is not None:
        input_shape = dataset.input_shape
    shapes = infer_shapes(spec, input_shape)
    fields = receptive_fields(shapes)
    order = shapes.graph.order if shapes.graph is not None else ()
    nodes = {
        node: NodeReport(
            shape=None if (s := shapes.shapes.get(node)) is None else list(s),
            params=shapes.params.get(node, 0),
            receptive_field=fields.as_json(node),
        )
        for node in order
    }
    errors = list(shapes.errors)
    if dataset is not None and shapes.ok:
        errors += objective_errors(shapes, dataset)
    return ValidationReport(
        valid=shapes.ok and not errors,
        nodes=nodes,
        total_params=shapes.total_params,
        errors=errors,
        warnings=fields.warnings,
    )


def validate_on_dataset(
    spec: Any,
    name: str,
    params: Mapping[str, Any] | None = None,
    data_dir: Path | None = None,
) -> ValidationReport:
    """The spec validated against a dataset by name; a bad dataset is one more error."""
    try:
        info = describe_dataset(name, params, data_dir)
    except DatasetError as exc:
        report = validate_network(spec)
        report.errors.append(dataset_error(exc))
        report.valid = False
        return report
    return validate_network(spec, dataset=info)
