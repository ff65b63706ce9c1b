"""Which axes a normalization layer normalizes: statistics over each grouping, before and after.

A normalization layer subtracts a mean and divides by a standard deviation taken over
some axes: batch norm per channel over the batch and the pixels, layer norm per sample
over everything else, instance norm per sample and channel over the pixels, group norm
per sample over groups of channels. The probe takes what enters the node, normalizes
it as the layer does in training (before its learned scale and shift), and measures,
for each of those groupings, how far the groups' means are from 0 and their standard
deviations from 1: the layer's own grouping comes out exactly 0 and 1.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from models.build import Network
from models.probes.hooks import capture_outputs, inspection
from models.probes.result import ProbeResult

NORM_TYPES = ("batchnorm", "layernorm", "groupnorm", "instancenorm")


def normalized(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """x normalized as the module does while training, without its affine scale and shift."""
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return F.batch_norm(x, None, None, training=True, eps=module.eps)
    if isinstance(module, nn.LayerNorm):
        return F.layer_norm(x, module.normalized_shape, eps=module.eps)
    if isinstance(module, nn.GroupNorm):
        return F.group_norm(x, module.num_groups, eps=module.eps)
    if isinstance(module, nn.modules.instancenorm._InstanceNorm):
        return F.instance_norm(x, eps=module.eps)
    raise TypeError(f"{type(module).__name__} is not a normalization layer")


def _per_channel(x: torch.Tensor) -> torch.Tensor:
    """[C, N * rest]: each channel (feature) over the batch and the pixels."""
    return x.transpose(0, 1).reshape(x.shape[1], -1)


def _per_sample(x: torch.Tensor) -> torch.Tensor:
    """[N, rest]: each sample over its channels and pixels."""
    return x.reshape(x.shape[0], -1)


def _per_sample_channel(x: torch.Tensor) -> torch.Tensor:
    """[N * C, H * W]: each channel of each sample over its pixels."""
    return x.reshape(x.shape[0] * x.shape[1], -1)


GROUPINGS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "batch": _per_channel,  # what batch norm normalizes
    "layer": _per_sample,  # layer norm
    "instance": _per_sample_channel,  # instance norm (images only)
}


def grouping_stats(x: torch.Tensor, groups: int | None = None) -> dict[str, dict[str, float]]:
    """For each grouping of x's axes: the mean |mean| of its groups and their mean std.

    With `groups`, also per sample over each of that many groups of channels (group norm's).
    """
    split: dict[str, Callable[[torch.Tensor], torch.Tensor]] = dict(GROUPINGS)
    if groups is not None:
        split["group"] = lambda t: t.reshape(t.shape[0] * groups, -1)
    out = {}
    for name, grouped in split.items():
        if name == "instance" and x.dim() < 4:
            continue
        g = grouped(x.double())
        out[name] = {
            "mean": float(g.mean(dim=1).abs().mean()),
            "std": float(g.std(dim=1, unbiased=False).mean()),
        }
    return out


@torch.no_grad()
def normalization_axes(net: Network, node: str, x: torch.Tensor) -> ProbeResult:
    """What enters a normalization node, and the same normalized, grouped three ways."""
    kind = net.graph.types[node]
    if kind not in NORM_TYPES:
        raise ValueError(f"{node} is a {kind} layer, not a normalization ({', '.join(NORM_TYPES)})")
    with inspection(net), capture_outputs(net, [node], inputs=True) as into:
        net(x)
    before = into[node]
    module = net.module(node)
    after = normalized(module, before)
    groups = module.num_groups if isinstance(module, nn.GroupNorm) else None
    meta = {
        "type": kind,
        "samples": int(before.shape[0]),
        "before": grouping_stats(before, groups),
        "after": grouping_stats(after, groups),
    }
    return ProbeResult(f"normalization:{node}", node, meta)
