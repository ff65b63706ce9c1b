"""Theoretical receptive fields of every spatial node, through the whole DAG.

Formulas: Araujo, Norris & Sim, Distill 2019 (see `models.fieldmath`). At a
merge the field is the union of the inputs' on each axis; inputs whose grids do not line
up (different jump or centre) are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.errors import SpecError
from models.fieldmath import AxisField, Field2d
from models.shapes import ShapeReport


@dataclass(frozen=True)
class FieldReport:
    """Each node's field (None for non-spatial or unknown) and merge warnings."""

    fields: dict[str, Field2d | None] = field(default_factory=dict)
    warnings: list[SpecError] = field(default_factory=list)

    def as_json(self, node: str) -> dict[str, list[int | float]] | None:
        """The contract's per-node `receptive_field` value."""
        f = self.fields.get(node)
        return None if f is None else f.as_json()


def _grid(f: Field2d) -> str:
    """A field's grid in words."""
    return f"jump {f.h.jump}x{f.w.jump}, centre {float(f.h.start):g},{float(f.w.start):g}"


def receptive_fields(report: ShapeReport) -> FieldReport:
    """Fields of every node with an image-shaped output, given the network's shapes."""
    graph = report.graph
    if graph is None:
        return FieldReport()
    fields: dict[str, Field2d | None] = {}
    warnings: list[SpecError] = []
    for node in graph.order:
        shape = report.shapes.get(node)
        if shape is None or len(shape) != 3:
            fields[node] = None
            continue
        if node == graph.input_id:
            fields[node] = Field2d(AxisField(), AxisField())
            continue
        sources = graph.inputs[node]
        in_fields = [fields.get(s) for s in sources]
        if any(f is None for f in in_fields):
            fields[node] = None
            continue
        known = [f for f in in_fields if f is not None]
        in_shapes = [s for s in (report.shapes[i] for i in sources) if s is not None]
        fields[node] = graph.layer(node).receptive(graph.params[node], known, in_shapes)
        if len(known) > 1 and not all(known[0].aligned_with(f) for f in known[1:]):
            grids = "; ".join(f"'{s}' has {_grid(f)}" for s, f in zip(sources, known, strict=True))
            warnings.append(
                SpecError(
                    node=node,
                    field="edges",
                    message=f"the inputs of this {graph.types[node]} sit on different grids "
                    f"({grids}), so the pixels it combines come from different places of the "
                    "image; the field shown joins the inputs' fields as if they did.",
                )
            )
    return FieldReport(fields, warnings)
