"""Activation statistics of a node: moments, histogram, dead and saturated units."""

from __future__ import annotations

from typing import Any

import torch

from models.build import Network
from models.probes.hooks import capture_outputs, inspection
from models.probes.result import ProbeResult
from models.probes.stats import summary

SATURATION = 0.99  # |tanh| or sigmoid distance from its range's ends, past which a unit saturates


@torch.no_grad()
def activation_stats(net: Network, node: str, x: torch.Tensor) -> ProbeResult:
    """Statistics of `node`'s output over the batch x (eval mode; the model is left as it was)."""
    with inspection(net), capture_outputs(net, [node]) as out:
        net(x)
    values = out[node]
    kind = net.graph.types[node]
    result: dict[str, Any] = {
        "type": kind,
        "output_shape": list(values.shape[1:]),
        **summary(values),
    }
    # A unit (a feature, or a channel at any pixel) is dead if it is never positive on the batch.
    per_unit = (
        values.transpose(0, 1).reshape(values.shape[1], -1) if values.dim() > 1 else values[None]
    )
    result["dead_fraction"] = (
        float((per_unit.amax(dim=1) <= 0).float().mean()) if kind == "relu" else None
    )
    if kind == "tanh":
        result["saturated_fraction"] = float((values.abs() > SATURATION).float().mean())
    elif kind == "sigmoid":
        result["saturated_fraction"] = float(
            ((values < 1 - SATURATION) | (values > SATURATION)).float().mean()
        )
    else:
        result["saturated_fraction"] = None
    return ProbeResult(f"activations:{node}", node, result)
