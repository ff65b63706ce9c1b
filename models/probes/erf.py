"""The effective receptive field of a node (Luo, Li, Urtasun & Zemel, NeurIPS 2016).

Set the gradient of the node's centre output unit (summed over channels) to 1
and every other output to 0, backpropagate to the input, and average |gradient|
over the batch: how much each input pixel actually sways that unit. Compared
with the theoretical field of `models.receptive`.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from models.build import Network
from models.errors import ShapeError
from models.fieldmath import Field2d
from models.probes.hooks import capture_outputs, inspection
from models.probes.result import ProbeResult
from models.receptive import receptive_fields
from models.shapes import infer_shapes

Reduction = Literal["abs", "square"]
MASS = 0.95  # the ERF's extent: the fewest pixels holding this share of its mass


def erf_map(net: Network, node: str, x: torch.Tensor, reduction: Reduction = "abs") -> torch.Tensor:
    """Mean |g| (or g^2) of g = d centre unit / d input over batch and channels: [H, W], eval mode.

    |g| is what the map shows; g^2 is the quantity whose spread grows like
    sqrt(depth) for random weights (Luo et al.'s variance argument).
    """
    if len(net.shapes[node]) != 3 or len(net.input_shape) != 3:
        raise ShapeError(
            None, f"'{node}' has no effective receptive field: its output is not an image"
        )
    _, oh, ow = net.shapes[node]
    image = x.detach().clone().requires_grad_(True)
    with inspection(net), torch.enable_grad(), capture_outputs(net, [node]) as out:
        net(image)
        centre = out[node][:, :, (oh - 1) // 2, (ow - 1) // 2].sum()
        (grad,) = torch.autograd.grad(centre, image)
    return (grad.abs() if reduction == "abs" else grad.square()).mean(dim=(0, 1))


def spread(weights: torch.Tensor) -> tuple[float, float, float, float]:
    """Centre (y, x) and standard deviation (y, x) of a non-negative map taken as a distribution."""
    total = weights.sum()
    if total <= 0:
        return math.nan, math.nan, 0.0, 0.0
    p = weights.double() / total.double()
    ys = torch.arange(p.shape[0], dtype=torch.float64, device=p.device)
    xs = torch.arange(p.shape[1], dtype=torch.float64, device=p.device)
    py, px = p.sum(dim=1), p.sum(dim=0)
    my, mx = float((py * ys).sum()), float((px * xs).sum())
    sy = math.sqrt(float((py * (ys - my) ** 2).sum()))
    sx = math.sqrt(float((px * (xs - mx) ** 2).sum()))
    return my, mx, sy, sx


def mass_area(weights: torch.Tensor, mass: float = MASS) -> int:
    """The fewest pixels holding `mass` of the map's total."""
    flat = weights.flatten().double()
    total = flat.sum()
    if total <= 0:
        return 0
    ordered = flat.sort(descending=True).values.cumsum(0) / total
    return int((ordered < mass).sum()) + 1


def theoretical_box(net: Network, node: str) -> tuple[Field2d, list[int]]:
    """The node's theoretical field and its box [top, left, bottom, right] for the centre unit."""
    shapes = infer_shapes(net.graph, net.input_shape)
    field = receptive_fields(shapes).fields[node]
    assert field is not None
    _, oh, ow = net.shapes[node]
    box = []
    for axis, unit in ((field.h, (oh - 1) // 2), (field.w, (ow - 1) // 2)):
        first = unit * axis.jump - axis.padding
        box.append((first, first + axis.size - 1))
    (top, bottom), (left, right) = box
    return field, [math.floor(top), math.floor(left), math.ceil(bottom), math.ceil(right)]


def effective_receptive_field(
    net: Network, node: str, x: torch.Tensor, reduction: Reduction = "abs"
) -> ProbeResult:
    """The ERF map over the input, with the theoretical box, sigma per axis and share covered."""
    weights = erf_map(net, node, x, reduction)
    my, mx, sy, sx = spread(weights)
    field, box = theoretical_box(net, node)
    _, h, w = net.input_shape
    top, left, bottom, right = (
        max(box[0], 0),
        max(box[1], 0),
        min(box[2], h - 1),
        min(box[3], w - 1),
    )
    rf_area = max(bottom - top + 1, 0) * max(right - left + 1, 0)
    peak = float(weights.max())
    meta = {
        "centre": [my, mx],
        "sigma": [sy, sx],
        "rf_size": [float(field.h.size), float(field.w.size)],
        "rf_box": box,
        "coverage": mass_area(weights) / rf_area if rf_area else None,
        "peak": peak,
        "reduction": reduction,
    }
    display = (weights / peak if peak > 0 else weights).float().cpu()
    return ProbeResult(f"erf:{node}", node, meta, {"erf": display})
