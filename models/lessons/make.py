"""Builders of lessons: networks in a line, run bodies, lesson cards, compared runs."""

from __future__ import annotations

import itertools
from typing import Any


def chain(*layers: tuple[str, str, dict[str, Any]], loss: str = "cross_entropy") -> dict[str, Any]:
    """A spec from (id, type, params) triples run in a line, laid out left to right."""
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "input", "position": {"x": 0, "y": 0}}]
    for i, (node_id, kind, params) in enumerate(layers, start=1):
        nodes.append(
            {"id": node_id, "type": kind, "params": params, "position": {"x": 180 * i, "y": 0}}
        )
    nodes.append(
        {
            "id": "out",
            "type": "output",
            "params": {"loss": loss},
            "position": {"x": 180 * (len(layers) + 1), "y": 0},
        }
    )
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"version": 1, "nodes": nodes, "edges": edges}


def deep(
    blocks: int, *, residual: bool, width: int = 16, norm: str | None = None
) -> dict[str, Any]:
    """A deep MLP of `blocks` linear-ReLU blocks, each summed with its input when `residual`.

    With `norm`, a layer of that type comes after every hidden linear layer.
    """
    nodes: list[dict[str, Any]] = [
        {"id": "in", "type": "input"},
        {"id": "stem", "type": "linear", "params": {"out_features": width}},
        {"id": "a0", "type": "relu"},
    ]
    edges = [("in", "stem"), ("stem", "a0")]
    prev = "a0"
    if norm is not None:
        nodes.insert(2, {"id": "n0", "type": norm})
        edges = [("in", "stem"), ("stem", "n0"), ("n0", "a0")]
    for b in range(1, blocks + 1):
        nodes += [
            {"id": f"fc{b}", "type": "linear", "params": {"out_features": width}},
            {"id": f"relu{b}", "type": "relu"},
        ]
        if norm is None:
            edges += [(prev, f"fc{b}"), (f"fc{b}", f"relu{b}")]
        else:
            nodes.append({"id": f"n{b}", "type": norm})
            edges += [(prev, f"fc{b}"), (f"fc{b}", f"n{b}"), (f"n{b}", f"relu{b}")]
        last = f"relu{b}"
        if residual:
            nodes.append({"id": f"add{b}", "type": "add"})
            edges += [(last, f"add{b}"), (prev, f"add{b}")]
            last = f"add{b}"
        prev = last
    nodes += [
        {"id": "fc", "type": "linear", "params": {"out_features": 2}},
        {"id": "out", "type": "output", "params": {"loss": "cross_entropy"}},
    ]
    edges += [(prev, "fc"), ("fc", "out")]
    # No positions: the page lays the graph out (a skip edge needs a layered layout).
    return {"version": 1, "nodes": nodes, "edges": [{"source": a, "target": b} for a, b in edges]}


def lesson(
    concept: str,
    group: str,
    order: int,
    card: tuple[str, str, str, str],
    panels: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A lesson: the lecture's concept it shows, where in the lecture, its card, its panels."""
    do, watch, takeaway, question = card
    return {
        "concept": concept,
        "group": group,
        "order": order,
        "card": {"do": do, "watch": watch, "takeaway": takeaway, "question": question},
        "panels": list(panels),
    }


def run_body(
    name: str,
    network: dict[str, Any],
    dataset: str,
    training: dict[str, Any],
    dataset_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A run body."""
    return {
        "name": name,
        "network": network,
        "dataset": {"name": dataset, "params": dataset_params or {}},
        "training": training,
        "device": "auto",
    }


def preset(
    title: str,
    doc: str,
    network: dict[str, Any],
    dataset: str,
    training: dict[str, Any],
    *,
    lesson: dict[str, Any],
    dataset_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A one-run preset: a run body plus a title, a one-line lesson and its card."""
    body = run_body(title, network, dataset, training, dataset_params)
    return {"title": title, "doc": doc, "run": body, "lesson": lesson}


def comparison(
    title: str, doc: str, runs: list[dict[str, Any]], *, lesson: dict[str, Any]
) -> dict[str, Any]:
    """A preset of runs that differ in one field, started together and compared."""
    # `run` is the first of them, for clients that read one run body.
    return {"title": title, "doc": doc, "run": runs[0], "runs": runs, "lesson": lesson}


def conv(out: int, k: int = 3, **params: Any) -> dict[str, Any]:
    """A conv2d's params; padding keeps the size unless given."""
    return {"out_channels": out, "kernel_size": k, "padding": (k - 1) // 2, **params}


def head(classes: int = 4) -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """Global average pooling and the classifier, after a CNN's last layer."""
    return (("gap", "global_avgpool", {}), ("fc", "linear", {"out_features": classes}))


NETWORKS = "Neural networks"
CNNS = "Convolutional networks"


def mlp(
    widths: list[int],
    act: str = "relu",
    *,
    dropout: float | None = None,
    classes: int = 2,
    loss: str = "cross_entropy",
) -> dict[str, Any]:
    """Hidden layers h1, h2... of these widths, each with its activation a1, a2... (and dropout)."""
    layers: list[tuple[str, str, dict[str, Any]]] = []
    for i, width in enumerate(widths, start=1):
        layers += [(f"h{i}", "linear", {"out_features": width}), (f"a{i}", act, {})]
        if dropout is not None:
            layers.append((f"d{i}", "dropout", {"p": dropout}))
    return chain(*layers, ("fc", "linear", {"out_features": classes}), loss=loss)


# The field lessons train a small CNN on the 28x28 shapes, where fields of 15 still fit.
SHAPES_TRAINING: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 0.003,
    "batch_size": 32,
    "max_steps": 1500,
}


DEEP_BLOCKS = 7
"""Blocks of the residual-vs-plain lesson's networks (8 hidden linear layers)."""

DEEP_TRAINING: dict[str, Any] = {
    "optimizer": "sgd",
    "lr": 0.02,
    "momentum": 0.9,
    "batch_size": 32,
    "max_steps": 1000,
}
