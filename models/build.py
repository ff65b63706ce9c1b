"""Turns a checked network spec into a PyTorch module that runs the DAG."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from models.errors import InvalidSpecError
from models.layers import Shape
from models.shapes import infer_shapes
from models.spec import Graph


def module_keys(order: Sequence[str]) -> dict[str, str]:
    """A ModuleDict-safe, unique key per node id (ids are the user's, keys are PyTorch's)."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for node in order:
        key = re.sub(r"\W", "_", node)
        if not key.isidentifier() or hasattr(nn.ModuleDict, key):
            key = f"node_{key}"
        base, n = key, 1
        while key in taken:
            n += 1
            key = f"{base}_{n}"
        taken.add(key)
        keys[node] = key
    return keys


class Network(nn.Module):
    """The user's network: one submodule per node, run in topological order."""

    def __init__(self, graph: Graph, shapes: Mapping[str, Shape]) -> None:
        super().__init__()
        self.graph = graph
        self.shapes = dict(shapes)
        self.node_ids: tuple[str, ...] = graph.order
        self.keys = module_keys(graph.order)
        self.layers = nn.ModuleDict()
        for node in graph.order:
            in_shapes = (
                [shapes[node]]
                if node == graph.input_id
                else [shapes[i] for i in graph.inputs[node]]
            )
            self.layers[self.keys[node]] = graph.layer(node).build(graph.params[node], in_shapes)

        position = {node: i for i, node in enumerate(graph.order)}
        last_use = {node: position[node] for node in graph.order}
        for node in graph.order:
            for src in graph.inputs[node]:
                last_use[src] = max(last_use[src], position[node])
        # Per step of the plan: the node's input slots, and the slots no longer needed after
        # it (freeing them keeps peak memory at the DAG's width, not its depth).
        self._sources = [tuple(position[s] for s in graph.inputs[n]) for n in graph.order]
        self._frees = [
            tuple(position[s] for s in graph.inputs[n] if last_use[s] == position[n])
            for n in graph.order
        ]

    @property
    def input_shape(self) -> Shape:
        """Per-sample input shape."""
        return self.shapes[self.graph.input_id]

    @property
    def output_shape(self) -> Shape:
        """Per-sample output shape."""
        return self.shapes[self.graph.output_id]

    def module(self, node: str) -> nn.Module:
        """The submodule of a node (where probes put their hooks)."""
        return self.layers[self.keys[node]]

    def _run(
        self, x: torch.Tensor, keep: Collection[str]
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Run the plan; return the output and the outputs of the nodes in `keep`."""
        values: list[Any] = [None] * len(self._sources)
        kept: dict[str, torch.Tensor] = {}
        for pos, module in enumerate(self.layers.values()):
            sources = self._sources[pos]
            if not sources:
                values[pos] = module(x)
            elif len(sources) == 1:
                values[pos] = module(values[sources[0]])
            else:
                values[pos] = module(*[values[s] for s in sources])
            if keep and self.node_ids[pos] in keep:
                kept[self.node_ids[pos]] = values[pos]
            for slot in self._frees[pos]:
                values[slot] = None
        out: torch.Tensor = values[-1]
        return out, kept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, *input_shape] -> [B, *output_shape]."""
        return self._run(x, ())[0]

    def forward_nodes(
        self, x: torch.Tensor, nodes: Collection[str] | None = None
    ) -> dict[str, torch.Tensor]:
        """Outputs of the given nodes (all when None) for a batch."""
        keep = set(self.node_ids if nodes is None else nodes)
        unknown = keep - set(self.node_ids)
        if unknown:
            raise KeyError(f"no such node: {', '.join(sorted(unknown))}")
        out, kept = self._run(x, keep)
        kept[self.graph.output_id] = out
        return {n: kept[n] for n in self.node_ids if n in keep}


def build_network(
    spec: Graph | Any, input_shape: Sequence[int] | None = None, *, seed: int | None = None
) -> Network:
    """A Network for the spec (raises InvalidSpecError listing every problem).

    With a seed, weights are drawn from a private generator state, so building
    leaves the global RNG untouched and is reproducible.
    """
    report = infer_shapes(spec, input_shape)
    if report.graph is None or report.errors:
        raise InvalidSpecError(report.errors)
    shapes = {n: s for n, s in report.shapes.items() if s is not None}
    if seed is None:
        return Network(report.graph, shapes)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Network(report.graph, shapes)
