"""Shape and parameter-count inference for a whole network, without allocating weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.errors import ShapeError, SpecError
from models.layers import Shape
from models.spec import Graph, load_spec

MAX_DIM = 4096


@dataclass(frozen=True)
class ShapeReport:
    """Every node's output shape (None where unknown) and parameter count, plus problems."""

    graph: Graph | None
    shapes: dict[str, Shape | None] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the spec loaded and every shape is known."""
        return self.graph is not None and not self.errors

    @property
    def total_params(self) -> int:
        """Trainable parameters of the whole network."""
        return sum(self.params.values())


def _check_input_shape(shape: Sequence[int] | None, input_id: str) -> Shape | SpecError:
    """A usable sample shape, or the error saying what is wrong with it."""
    if shape is None:
        return SpecError(
            node=input_id,
            field="shape",
            message="the input shape is unknown: pick a dataset, or set the input's shape "
            "param, e.g. [2] for points or [1, 28, 28] for images.",
        )
    dims = tuple(int(d) for d in shape)
    if len(dims) not in (1, 3) or any(d < 1 or d > MAX_DIM for d in dims):
        return SpecError(
            node=input_id,
            field="shape",
            message=f"the input shape must be [F] or [C, H, W] with sizes 1..{MAX_DIM}, "
            f"not {list(dims)}.",
        )
    return dims


def infer_shapes(spec: Graph | Any, input_shape: Sequence[int] | None = None) -> ShapeReport:
    """Shapes and parameter counts of every node; `input_shape` overrides the input's param."""
    structural: list[SpecError] = []
    if isinstance(spec, Graph):
        graph = spec
    else:
        loaded = load_spec(spec)
        if loaded.graph is None and loaded.partial is None:
            return ShapeReport(None, errors=loaded.errors)
        graph = loaded.graph or loaded.partial  # type: ignore[assignment]
        structural = loaded.errors

    if input_shape is None:
        # The input's params may have failed to parse (the partial graph lacks them).
        input_shape = getattr(graph.params.get(graph.input_id), "shape", None)
    start = _check_input_shape(input_shape, graph.input_id)
    if isinstance(start, SpecError):
        # Every problem at once: the spec's own, and the unknown shape unless the input's
        # own params already say why.
        said = any(e.node == graph.input_id for e in structural)
        return ShapeReport(
            graph,
            dict.fromkeys(graph.order),
            dict.fromkeys(graph.order, 0),
            list(structural) if said else [*structural, start],
        )

    shapes: dict[str, Shape | None] = {}
    params: dict[str, int] = {}
    errors: list[SpecError] = list(structural)
    for node in graph.order:
        layer, p = graph.layer(node), graph.params[node]
        in_shapes = (
            [start] if node == graph.input_id else [shapes.get(i) for i in graph.inputs[node]]
        )
        params[node] = 0
        arity_ok = layer.min_inputs <= len(in_shapes) and (
            layer.max_inputs is None or len(in_shapes) <= layer.max_inputs or node == graph.input_id
        )
        if not arity_ok or any(s is None for s in in_shapes):
            shapes[node] = None  # an error upstream was already reported
            continue
        known: list[Shape] = [s for s in in_shapes if s is not None]
        try:
            shapes[node] = layer.output_shape(p, known)
            params[node] = layer.param_count(p, known)
        except ShapeError as exc:
            shapes[node] = None
            errors.append(SpecError(node=node, field=exc.field, message=exc.message))
    return ShapeReport(graph, shapes, params, errors)
