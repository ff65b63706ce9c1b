"""Weights and gradients of a node: norms, histograms, conv filters as small images."""

from __future__ import annotations

import torch

from models.build import Network
from models.objectives import Objective
from models.probes.hooks import inspection
from models.probes.result import ProbeResult
from models.probes.stats import summary

MAX_FILTERS = 64
MAX_FILTER_CHANNELS = 16


def _node_params(net: Network, node: str) -> list[torch.nn.Parameter]:
    """The trainable tensors of one node."""
    return [p for p in net.module(node).parameters() if p.requires_grad]


@torch.no_grad()
def weight_stats(net: Network, node: str) -> ProbeResult:
    """Norm and histogram of a node's weights; a conv's filters as [out, in, kh, kw] images."""
    module = net.module(node)
    weight = getattr(module, "weight", None)
    params = _node_params(net, node)
    if not params:
        return ProbeResult(f"weights:{node}", node, {"count": 0})
    flat = torch.cat([p.detach().flatten() for p in params])
    meta = {"count": int(flat.numel()), "norm": float(flat.norm()), **summary(flat)}
    arrays: dict[str, torch.Tensor] = {}
    if isinstance(weight, torch.Tensor) and weight.dim() == 4:
        arrays["filters"] = weight.detach()[:MAX_FILTERS, :MAX_FILTER_CHANNELS].float().cpu()
    return ProbeResult(f"weights:{node}", node, meta, arrays)


def gradient_stats(
    net: Network,
    objective: Objective,
    x: torch.Tensor,
    labels: torch.Tensor,
    node: str | None = None,
) -> ProbeResult:
    """Gradient norm of every node with weights (vanishing gradients show) and one histogram.

    The gradient is taken in eval mode with autograd.grad, so neither the
    parameters' .grad nor batch-norm statistics nor the dropout generator change.
    """
    owners = [n for n in net.node_ids if _node_params(net, n)]
    tensors = [p for n in owners for p in _node_params(net, n)]
    with inspection(net), torch.enable_grad():
        loss = objective.loss(net(x), objective.targets(labels))
        grads = torch.autograd.grad(loss, tensors, allow_unused=True)
    by_node: dict[str, list[torch.Tensor]] = {n: [] for n in owners}
    i = 0
    for n in owners:
        for p in _node_params(net, n):
            g = grads[i]
            by_node[n].append(torch.zeros_like(p) if g is None else g.detach())
            i += 1
    norms = {n: float(torch.cat([g.flatten() for g in gs]).norm()) for n, gs in by_node.items()}
    meta: dict[str, object] = {"loss": float(loss.detach()), "norms": norms}
    if node is not None and node in by_node:
        meta |= summary(torch.cat([g.flatten() for g in by_node[node]]))
    return ProbeResult(f"gradients:{node}" if node else "gradients", node, meta)
