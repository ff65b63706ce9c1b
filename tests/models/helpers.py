"""Small spec builders shared by the model tests."""

from __future__ import annotations

import itertools
from typing import Any


def chain(
    *layers: tuple[str, dict[str, Any]],
    input_shape: list[int] | None = None,
    loss: str = "cross_entropy",
) -> dict[str, Any]:
    """A spec running input -> layers... -> output in a line."""
    nodes: list[dict[str, Any]] = [
        {"id": "in", "type": "input", "params": {"shape": input_shape} if input_shape else {}}
    ]
    for i, (kind, params) in enumerate(layers):
        nodes.append({"id": f"n{i}", "type": kind, "params": params})
    nodes.append({"id": "out", "type": "output", "params": {"loss": loss}})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"version": 1, "name": "chain", "nodes": nodes, "edges": edges}


def mlp(
    hidden: list[int], out: int = 2, act: str = "relu", loss: str = "cross_entropy"
) -> dict[str, Any]:
    """A multilayer perceptron: linear+activation per hidden layer, then a linear head."""
    layers: list[tuple[str, dict[str, Any]]] = []
    for width in hidden:
        layers += [("linear", {"out_features": width}), (act, {})]
    layers.append(("linear", {"out_features": out}))
    return chain(*layers, loss=loss)


def vgg16() -> dict[str, Any]:
    """VGG-16 (configuration D) up to pool5, then its classifier, at 3x224x224."""
    layers: list[tuple[str, dict[str, Any]]] = []
    for block, (width, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        del block
        for _ in range(convs):
            layers += [
                ("conv2d", {"out_channels": width, "kernel_size": 3, "padding": 1}),
                ("relu", {}),
            ]
        layers.append(("maxpool2d", {"kernel_size": 2, "stride": 2}))
    layers += [
        ("flatten", {}),
        ("linear", {"out_features": 4096}),
        ("relu", {}),
        ("dropout", {"p": 0.5}),
        ("linear", {"out_features": 4096}),
        ("relu", {}),
        ("dropout", {"p": 0.5}),
        ("linear", {"out_features": 1000}),
    ]
    return chain(*layers, input_shape=[3, 224, 224])
