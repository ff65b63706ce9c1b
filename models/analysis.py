"""Validation of a network as the contract reports it: shapes, sizes, fields, problems."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from models.errors import SpecError
from models.receptive import receptive_fields
from models.shapes import infer_shapes


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


def validate_network(spec: Any, input_shape: Sequence[int] | None = None) -> ValidationReport:
    """Every node's shape, size and receptive field, and every problem, never raising."""
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
    return ValidationReport(
        valid=shapes.ok,
        nodes=nodes,
        total_params=shapes.total_params,
        errors=shapes.errors,
        warnings=fields.warnings,
    )
