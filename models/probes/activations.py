"""Activation statistics of a node: moments, histogram, dead and saturated units."""

from __future__ import annotations

from typing import Any

import torch

from models.build import Network
from models.probes.hooks import capture_outputs, inspection
from models.probes.result import ProbeResult
from models.probes.stats import summary

RECTIFIERS = ("relu", "leaky_relu", "prelu")  # units that switch off below zero
SATURATION = 0.99  # |tanh| or sigmoid distance from its range's ends, past which a unit saturates


@torch.no_grad()
def activation_stats(net: Network, node: str, x: torch.Tensor) -> ProbeResult:
    """Statistics of `node`'s output over the batch x (eval mode; the model is left as it was)."""
    with (
        inspection(net),
        capture_outputs(net, [node]) as out,
        capture_outputs(net, [node], inputs=True) as into,
    ):
        net(x)
    values = out[node]
    kind = net.graph.types[node]
    result: dict[str, Any] = {
        "type": kind,
        "output_shape": list(values.shape[1:]),
        **summary(values),
    }
    # A unit (a feature, or a channel at any pixel) is switched off if what comes into it is
    # never positive on the batch: dead for a ReLU (no gradient can bring it back), asleep
    # for a leaky one (its small slope still passes a gradient that may wake it).
    if kind in RECTIFIERS:
        pre = into[node]
        per_unit = pre.transpose(0, 1).reshape(pre.shape[1], -1) if pre.dim() > 1 else pre[None]
        result["dead_fraction"] = float((per_unit.amax(dim=1) <= 0).float().mean())
    else:
        result["dead_fraction"] = None
    if kind == "tanh":
        result["saturated_fraction"] = float((values.abs() > SATURATION).float().mean())
    elif kind == "sigmoid":
        result["saturated_fraction"] = float(
            ((values < 1 - SATURATION) | (values > SATURATION)).float().mean()
        )
    else:
        result["saturated_fraction"] = None
    return ProbeResult(f"activations:{node}", node, result)
