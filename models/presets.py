"""Lecture demos: complete runs (network, dataset, training) a teacher can load in one click."""

from __future__ import annotations

import itertools
from types import MappingProxyType
from typing import Any


def _chain(*layers: tuple[str, str, dict[str, Any]], loss: str = "cross_entropy") -> dict[str, Any]:
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


def _preset(
    title: str,
    doc: str,
    network: dict[str, Any],
    dataset: str,
    training: dict[str, Any],
    *,
    dataset_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A preset: a run body plus a title and a one-line lesson."""
    return {
        "title": title,
        "doc": doc,
        "run": {
            "name": title,
            "network": network,
            "dataset": {"name": dataset, "params": dataset_params or {}},
            "training": training,
            "device": "auto",
        },
    }


PRESETS: MappingProxyType[str, dict[str, Any]] = MappingProxyType(
    {
        "spiral-mlp": _preset(
            "Spiral with two hidden layers",
            "Depth bends the decision boundary around the two arms of the spiral.",
            _chain(
                ("h1", "linear", {"out_features": 16}),
                ("a1", "relu", {}),
                ("h2", "linear", {"out_features": 16}),
                ("a2", "relu", {}),
                ("fc", "linear", {"out_features": 2}),
            ),
            "spiral",
            {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "max_steps": 5000},
        ),
        "xor-linear": _preset(
            "XOR without a hidden layer",
            "A linear model cannot separate XOR: accuracy stays near chance.",
            _chain(("fc", "linear", {"out_features": 2})),
            "xor",
            {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "max_steps": 2000},
        ),
        "xor-hidden": _preset(
            "XOR with one hidden layer",
            "Eight hidden units are enough to solve XOR.",
            _chain(
                ("h1", "linear", {"out_features": 8}),
                ("a1", "tanh", {}),
                ("fc", "linear", {"out_features": 2}),
            ),
            "xor",
            {"optimizer": "adam", "lr": 0.03, "batch_size": 32, "max_steps": 2000},
        ),
        "digits-cnn": _preset(
            "Small CNN on digits",
            "Shared 3x3 filters and pooling read handwritten digits.",
            _chain(
                ("c1", "conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
                ("a1", "relu", {}),
                ("p1", "maxpool2d", {"kernel_size": 2}),
                ("c2", "conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
                ("a2", "relu", {}),
                ("p2", "maxpool2d", {"kernel_size": 2}),
                ("f", "flatten", {}),
                ("fc", "linear", {"out_features": 10}),
            ),
            "digits",
            {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "max_steps": 3000},
        ),
    }
)
