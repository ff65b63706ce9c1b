"""The network spec (contract version 1): pydantic models and loading into a checked graph."""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, WithJsonSchema

from models.errors import SpecError, plain_message
from models.layers import LAYERS, Layer, LayerParams
from models.layers.core import OutputParams

# A param as JSON gives it (a number, a string, a list...), checked later by its layer or
# dataset; never an arbitrary Python object.
ParamValue = Annotated[JsonValue, WithJsonSchema({"description": "A JSON value."})]

MAX_NODES = 2000
MAX_EDGES = 8000


class Position(BaseModel):
    """Where the editor draws a node; the engine ignores it."""

    x: float
    y: float


class NodeSpec(BaseModel):
    """One node of the network: a layer of some registered type."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, description="The user's id, unique in the spec.")
    type: str = Field(description="A layer type from GET /api/layers.")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="The layer's params.")
    position: Position | None = Field(
        None, description="Editor position; ignored by the engine.", exclude_if=lambda v: v is None
    )


class EdgeSpec(BaseModel):
    """A connection: the source node's output feeds the target node."""

    model_config = ConfigDict(extra="forbid")

    source: str
    target: str
    id: str | None = Field(
        None,
        description="Optional editor id; ignored by the engine.",
        exclude_if=lambda v: v is None,
    )


class NetworkSpec(BaseModel):
    """A network: a DAG of layers with one input and one output."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    name: str = Field("untitled", max_length=200)
    nodes: list[NodeSpec] = Field(max_length=MAX_NODES)
    edges: list[EdgeSpec] = Field(default_factory=list, max_length=MAX_EDGES)


@dataclass(frozen=True)
class Graph:
    """A spec that passed every structural check, with parsed params and a topological order."""

    spec: NetworkSpec
    types: Mapping[str, str]
    params: Mapping[str, LayerParams]
    inputs: Mapping[str, tuple[str, ...]]  # predecessors, in the order the edges list them
    order: tuple[str, ...]  # topological; ties broken by the spec's node order
    input_id: str
    output_id: str

    def layer(self, node_id: str) -> Layer[Any]:
        """The registry entry of a node."""
        return LAYERS[self.types[node_id]]

    @property
    def loss(self) -> str:
        """The output node's loss (its params' default when the spec names none)."""
        params = self.params[self.output_id]
        assert isinstance(params, OutputParams)  # load_spec checked the output's type
        return params.loss


@dataclass(frozen=True)
class SpecResult:
    """The outcome of loading a spec: a graph, or the list of every problem found."""

    graph: Graph | None
    errors: list[SpecError]
    # With errors: the part of the graph that is still well formed (nodes with known types
    # and params, in an order), so an editor can show shapes everywhere the problems allow.
    partial: Graph | None = None

    @property
    def ok(self) -> bool:
        """Whether the spec loaded without problems."""
        return self.graph is not None


def _message(err: Any) -> str:
    """One error in words, naming the field (the last name in its location)."""
    names = [str(p) for p in err["loc"] if isinstance(p, str)]
    return plain_message(err, names[-1] if names else None)


def _pydantic_errors(exc: ValidationError, node: str | None) -> list[SpecError]:
    """One SpecError per bad param of a node (the first problem found for each)."""
    out: dict[str | None, SpecError] = {}
    for err in exc.errors():
        # The first location part is the param; deeper parts name union members.
        field = str(err["loc"][0]) if err["loc"] else None
        out.setdefault(field, SpecError(node=node, field=field, message=_message(err)))
    return list(out.values())


def _structure_errors(exc: ValidationError, data: Any) -> list[SpecError]:
    """Errors in the outer structure, attributed to a node where the location allows."""
    out = []
    nodes = data.get("nodes") if isinstance(data, Mapping) else None
    for err in exc.errors():
        loc = list(err["loc"])
        node: str | None = None
        if (
            len(loc) >= 3
            and loc[0] == "nodes"
            and isinstance(loc[1], int)
            and isinstance(nodes, list)
        ):
            raw = nodes[loc[1]] if loc[1] < len(nodes) else None
            if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
                node = raw["id"]
                loc = loc[2:]
        out.append(
            SpecError(node=node, field=".".join(str(p) for p in loc) or None, message=_message(err))
        )
    return out


def _unknown_type(node: NodeSpec) -> SpecError:
    """The error for a type the registry does not know, with a suggestion."""
    close = difflib.get_close_matches(node.type, list(LAYERS), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else f" Known types: {', '.join(LAYERS)}."
    return SpecError(node=node.id, field="type", message=f"unknown layer type '{node.type}'.{hint}")


def _topological(ids: list[str], succ: Mapping[str, list[str]], indeg: dict[str, int]) -> list[str]:
    """Kahn's algorithm; nodes on a cycle are left out."""
    ready = deque(i for i in ids if indeg[i] == 0)
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for nxt in succ[node]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    return order


def _find_cycle(remaining: set[str], preds: Mapping[str, list[str]]) -> list[str]:
    """One cycle among the nodes Kahn's algorithm could not order.

    Each such node has a predecessor that is also left over, so walking
    backwards must come round to a node already seen.
    """
    path: list[str] = []
    seen: dict[str, int] = {}
    node = min(remaining)
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(n for n in preds[node] if n in remaining)
    loop = [*path[seen[node] :], node]
    return loop[::-1]


def load_spec(data: Any) -> SpecResult:
    """Check a spec (a dict or NetworkSpec) and return its graph or all its problems."""
    if isinstance(data, NetworkSpec):
        spec = data
    else:
        try:
            spec = NetworkSpec.model_validate(data)
        except ValidationError as exc:
            return SpecResult(None, _structure_errors(exc, data))

    errors: list[SpecError] = []
    ids = [n.id for n in spec.nodes]
    seen: set[str] = set()
    for node_id in ids:
        if node_id in seen:
            errors.append(
                SpecError(node=node_id, field="id", message=f"the id '{node_id}' is used twice.")
            )
        seen.add(node_id)
    nodes = {n.id: n for n in spec.nodes}

    params: dict[str, LayerParams] = {}
    for node in spec.nodes:
        layer = LAYERS.get(node.type)
        if layer is None:
            errors.append(_unknown_type(node))
            continue
        try:
            params[node.id] = layer.parse(node.params)
        except ValidationError as exc:
            errors.extend(_pydantic_errors(exc, node.id))

    for kind in ("input", "output"):
        found = [n.id for n in spec.nodes if n.type == kind]
        if len(found) != 1:
            what = "none" if not found else f"{len(found)} ({', '.join(found)})"
            errors.append(
                SpecError(
                    node=found[1] if len(found) > 1 else None,
                    field="type",
                    message=f"a network needs exactly one {kind} node; it has {what}.",
                )
            )

    inputs: dict[str, list[str]] = {i: [] for i in nodes}
    succ: dict[str, list[str]] = {i: [] for i in nodes}
    pairs: set[tuple[str, str]] = set()
    for k, edge in enumerate(spec.edges):
        missing = [end for end in (edge.source, edge.target) if end not in nodes]
        if missing:
            for end in missing:
                errors.append(
                    SpecError(
                        node=None,
                        field=f"edges.{k}",
                        message=f"edge {edge.source} -> {edge.target} names a node '{end}' "
                        "that does not exist.",
                    )
                )
            continue
        if (edge.source, edge.target) in pairs:
            errors.append(
                SpecError(
                    node=edge.target,
                    field=f"edges.{k}",
                    message=f"the edge from '{edge.source}' is listed twice.",
                )
            )
            continue
        pairs.add((edge.source, edge.target))
        inputs[edge.target].append(edge.source)
        succ[edge.source].append(edge.target)

    for node_id, node in nodes.items():
        layer = LAYERS.get(node.type)
        if layer is None:
            continue
        n_in = len(inputs[node_id])
        if node.type == "input" and n_in:
            errors.append(
                SpecError(node=node_id, field="edges", message="nothing can feed the input node.")
            )
        elif node.type == "output" and succ[node_id]:
            errors.append(
                SpecError(
                    node=node_id, field="edges", message="the output node cannot feed another node."
                )
            )
        elif n_in < layer.min_inputs:
            need = "an input" if layer.min_inputs == 1 else f"at least {layer.min_inputs} inputs"
            errors.append(
                SpecError(
                    node=node_id,
                    field="edges",
                    message=f"{node.type} needs {need} but has {n_in}; connect one to it.",
                )
            )
        elif layer.max_inputs is not None and n_in > layer.max_inputs:
            errors.append(
                SpecError(
                    node=node_id,
                    field="edges",
                    message=f"{node.type} takes {layer.max_inputs} input but has {n_in}; "
                    "merge them first with add or concat.",
                )
            )

    unique_ids = list(dict.fromkeys(ids))
    indeg = {i: len(inputs[i]) for i in unique_ids}
    order = _topological(unique_ids, succ, indeg)
    if len(order) < len(unique_ids):
        cycle = _find_cycle(set(unique_ids) - set(order), inputs)
        errors.append(
            SpecError(
                node=cycle[0],
                field="edges",
                message=f"the connections form a cycle: {' -> '.join(cycle)}.",
            )
        )

    outputs = [n.id for n in spec.nodes if n.type == "output"]
    if len(outputs) == 1:
        reach = {outputs[0]}
        frontier = [outputs[0]]
        while frontier:
            for prev in inputs[frontier.pop()]:
                if prev not in reach:
                    reach.add(prev)
                    frontier.append(prev)
        for node_id in unique_ids:
            if node_id not in reach:
                errors.append(
                    SpecError(
                        node=node_id,
                        field="edges",
                        message="this node does not lead to the output; connect it or delete it.",
                    )
                )

    input_ids = [n.id for n in spec.nodes if n.type == "input"]
    if len(input_ids) != 1 or len(unique_ids) != len(ids):
        return SpecResult(None, errors)
    graph = Graph(
        spec=spec,
        types={n.id: n.type for n in spec.nodes},
        params=params,
        inputs={k: tuple(v) for k, v in inputs.items()},
        order=tuple(n for n in order if n in params),
        input_id=input_ids[0],
        output_id=outputs[0] if len(outputs) == 1 else "",
    )
    return SpecResult(None, errors, graph) if errors else SpecResult(graph, [])
