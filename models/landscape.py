"""Loss landscapes (Li et al. 2018): a 2-D slice of the loss around the weights, row by row.

`f(a, b) = L(theta + a * delta + b * eta)` on a grid, with delta and eta random
directions whose every filter has the norm of the weight's filter (filter
normalization), so that slices of different networks are comparable. A slice is
computed one row at a time, each row putting the live weights back, so that a
caller can interleave it with training; the trajectory of saved snapshots is
projected on the two principal directions of their differences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import torch
from torch import nn

Directions = dict[str, torch.Tensor]  # parameter name -> a direction of its shape
LossFn = Callable[[nn.Module], torch.Tensor]  # the loss of a model on a fixed subset


def filter_normalized(
    params: Mapping[str, torch.Tensor], generator: torch.Generator, *, keep_vectors: bool = False
) -> Directions:
    """A random direction, each filter scaled to the norm of the same filter of the weights.

    A filter is a slice along dim 0 (a conv's output channel, a dense layer's neuron).
    One-dimensional parameters (biases, normalization scales and shifts) get a zero
    direction, as the paper does, unless `keep_vectors`: then they are scaled as one
    filter each.
    """
    out: Directions = {}
    for name, tensor in params.items():
        weight = tensor.detach()
        draw = torch.randn(weight.shape, generator=generator, dtype=weight.dtype).to(weight.device)
        if weight.dim() <= 1:
            if not keep_vectors:
                out[name] = torch.zeros_like(weight)
                continue
            out[name] = draw * (weight.norm() / (draw.norm() + 1e-10))
            continue
        flat_w, flat_d = weight.reshape(len(weight), -1), draw.reshape(len(draw), -1)
        scale = flat_w.norm(dim=1, keepdim=True) / (flat_d.norm(dim=1, keepdim=True) + 1e-10)
        out[name] = (flat_d * scale).reshape(weight.shape)
    return out


def axis(n: int, span: float) -> list[float]:
    """n evenly spaced coordinates from -span to span."""
    return torch.linspace(-span, span, n, dtype=torch.float64).tolist()


@dataclass
class Slice:
    """A loss slice being computed: the grid so far, row by row (rows are b, columns a)."""

    alphas: list[float]
    betas: list[float]
    rows: list[list[float]]

    @property
    def done(self) -> bool:
        """Whether every row is in."""
        return len(self.rows) == len(self.betas)


def slice_rows(
    model: nn.Module,
    loss: LossFn,
    centre: Mapping[str, torch.Tensor],
    directions: tuple[Directions, Directions],
    grid: Slice,
) -> Iterator[list[float]]:
    """Compute the slice's remaining rows, one per iteration, each appended to `grid.rows`.

    Between rows the model holds its live weights and buffers (training may change
    them); the slice stays around `centre`, the parameters and buffers (batch-norm
    statistics) when it began (`snapshot`). Eval mode and no_grad: batch-norm
    statistics, gradients and random generators are left as they were.
    """
    delta, eta = directions
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    while not grid.done:
        b = grid.betas[len(grid.rows)]
        live = snapshot(model)
        was_training = model.training
        model.eval()
        row: list[float] = []
        try:
            with torch.no_grad():
                for name, buf in buffers.items():
                    buf.copy_(centre[name])
                for a in grid.alphas:
                    for name, p in params.items():
                        p.copy_(centre[name] + a * delta[name] + b * eta[name])
                    row.append(float(loss(model)))
        finally:
            with torch.no_grad():
                for name, tensor in [*params.items(), *buffers.items()]:
                    tensor.copy_(live[name])
            model.train(was_training)
        grid.rows.append(row)
        yield row


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's parameters and buffers, by name."""
    tensors = [*model.named_parameters(), *model.named_buffers()]
    return {name: t.detach().clone() for name, t in tensors}


def flatten(params: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """All parameters as one float64 vector, in name order."""
    return torch.cat([params[k].detach().reshape(-1).double().cpu() for k in sorted(params)])


def trajectory(
    snapshots: list[torch.Tensor], final: torch.Tensor
) -> tuple[list[list[float]], list[float]]:
    """Snapshots projected on the top two principal directions of `snapshot - final`.

    Returns each snapshot's (x, y) and the share of the differences' variance each
    direction explains (Li et al. 2018, section 7).
    """
    if not snapshots:
        return [], [0.0, 0.0]
    diffs = torch.stack([s - final for s in snapshots])  # [n, p]
    # The right singular vectors are the principal directions (the final point is the origin).
    _, sv, vh = torch.linalg.svd(diffs, full_matrices=False)
    axes = vh[:2]
    if len(axes) < 2:
        axes = torch.cat([axes, torch.zeros(2 - len(axes), diffs.shape[1], dtype=diffs.dtype)])
    coords = (diffs @ axes.T).tolist()
    energy = float((sv**2).sum()) or 1.0
    explained = [float(v**2) / energy for v in sv[:2]] + [0.0] * (2 - len(sv[:2]))
    return [[float(x), float(y)] for x, y in coords], explained
