"""Loss landscapes (Li et al. 2018): a 2-D slice of the loss around the weights, row by row.

`f(a, b) = L(theta + a * delta + b * eta)` on a grid, with delta and eta random
directions whose every filter has the norm of the weight's filter (filter
normalization), so that slices of different networks are comparable. A slice is
computed one row at a time, each row putting the live weights back, so that a
caller can interleave it with training; the trajectory of saved snapshots is
projected on the two principal directions of their differences.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from models.probes.result import ProbeResult

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
    """A loss slice being computed: its values so far, row by row (rows are b, columns a)."""

    alphas: list[float]
    betas: list[float]
    values: list[float] = field(default_factory=list)  # row-major, as computed

    @property
    def rows(self) -> list[list[float]]:
        """The rows complete so far."""
        n = len(self.alphas)
        return [self.values[i : i + n] for i in range(0, len(self.values) - n + 1, n)]

    @property
    def done(self) -> bool:
        """Whether every point is in."""
        return len(self.values) == len(self.alphas) * len(self.betas)


def slice_cells(
    model: nn.Module,
    loss: LossFn,
    centre: Mapping[str, torch.Tensor],
    directions: tuple[Directions, Directions],
    grid: Slice,
    *,
    budget_s: float = math.inf,
) -> Iterator[int]:
    """Compute the slice's remaining points, about `budget_s` of them per iteration.

    Each iteration computes at least one point, more while its time lasts, then yields
    how many it computed. Between iterations the model holds its live weights and
    buffers (training may change them); the slice stays around `centre`, the
    parameters and buffers (batch-norm statistics) when it began (`snapshot`). Eval
    mode and no_grad: batch-norm statistics, gradients and random generators are left
    as they were.
    """
    delta, eta = directions
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    n = len(grid.alphas)
    while not grid.done:
        live = snapshot(model)
        was_training = model.training
        model.eval()
        started, computed = time.perf_counter(), 0
        try:
            with torch.no_grad():
                for name, buf in buffers.items():
                    buf.copy_(centre[name])
                while not grid.done and (computed == 0 or time.perf_counter() - started < budget_s):
                    i, j = divmod(len(grid.values), n)
                    a, b = grid.alphas[j], grid.betas[i]
                    for name, p in params.items():
                        p.copy_(centre[name] + a * delta[name] + b * eta[name])
                    grid.values.append(float(loss(model)))
                    computed += 1
        finally:
            with torch.no_grad():
                for name, tensor in [*params.items(), *buffers.items()]:
                    tensor.copy_(live[name])
            model.train(was_training)
        yield computed


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


def principal_axes(snapshots: list[torch.Tensor], final: torch.Tensor) -> torch.Tensor:
    """The top two principal directions of `snapshot - final` as rows [2, p] (unit vectors)."""
    diffs = torch.stack([s - final for s in snapshots])
    _, _, vh = torch.linalg.svd(diffs, full_matrices=False)
    axes: torch.Tensor = vh[:2]
    if len(axes) < 2:
        axes = torch.cat([axes, torch.zeros(2 - len(axes), diffs.shape[1], dtype=diffs.dtype)])
    return axes


def unflatten(vector: torch.Tensor, like: Mapping[str, torch.Tensor]) -> Directions:
    """A flat vector (flatten's order) as one tensor per parameter."""
    out: Directions = {}
    offset = 0
    for name in sorted(like):
        t = like[name]
        out[name] = vector[offset : offset + t.numel()].reshape(t.shape).to(t.dtype).to(t.device)
        offset += t.numel()
    return out


class LandscapeOptions(BaseModel):
    """How the slice is drawn."""

    model_config = ConfigDict(extra="ignore")

    grid: int = Field(25, ge=3, le=61, description="Points per side.")
    span: float = Field(1.0, gt=0, le=10, description="The grid spans -span..span per axis.")
    samples: int = Field(256, ge=16, le=2048, description="Training samples the loss is on.")
    plane: Literal["random", "trajectory"] = Field(
        "random",
        description="random: two filter-normalized directions; trajectory: the top two "
        "principal directions of the saved weights' path (Li et al. 2018).",
    )
    keep_vectors: bool = Field(
        False, description="Random plane: move biases and norm parameters too (else zeroed)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Draws the random directions.")


class Landscape:
    """One slice of a model's loss being computed, with the path of its saved weights on it."""

    def __init__(
        self,
        model: nn.Module,
        loss: LossFn,
        options: LandscapeOptions,
        snapshots: list[torch.Tensor],
    ) -> None:
        self.options = options
        params = {n: p.detach() for n, p in model.named_parameters()}
        centre = snapshot(model)
        final = flatten(params)
        if not bool(torch.isfinite(final).all()):
            raise ValueError("the weights are not finite (the run diverged): no loss surface")
        # A snapshot taken as the run diverged has no place on the plane.
        snapshots = [s for s in snapshots if bool(torch.isfinite(s).all())]
        span, n = options.span, options.grid
        self.plane = (
            "trajectory" if options.plane == "trajectory" and len(snapshots) >= 2 else "random"
        )
        if self.plane == "trajectory":
            axes = principal_axes(snapshots, final)
            delta, eta = unflatten(axes[0], params), unflatten(axes[1], params)
            coords, explained = trajectory(snapshots, final)
            # The grid covers the path, with a margin (its units: distance in weight space).
            extent = max((abs(c) for xy in coords for c in xy), default=0.0)
            span = max(extent * 1.25, 1e-3)
            self.explained = explained
        else:
            gen = torch.Generator().manual_seed(options.seed)
            delta = filter_normalized(params, gen, keep_vectors=options.keep_vectors)
            eta = filter_normalized(params, gen, keep_vectors=options.keep_vectors)
            coords = self._projected(snapshots, final, delta, eta)
            self.explained = [math.nan, math.nan]
        self.path = [*coords, [0.0, 0.0]]  # ...and it ends at the weights now, the origin
        self.grid = Slice(alphas=axis(n, span), betas=axis(n, span))
        self._model, self._loss, self._centre = model, loss, centre
        self._directions = (delta, eta)

    @staticmethod
    def _projected(
        snapshots: list[torch.Tensor], final: torch.Tensor, delta: Directions, eta: Directions
    ) -> list[list[float]]:
        """Snapshots' least-squares coordinates on the (delta, eta) plane through `final`."""
        if not snapshots:
            return []
        basis = torch.stack([flatten(delta), flatten(eta)], dim=1)  # [p, 2]
        diffs = torch.stack([s - final for s in snapshots], dim=1)  # [p, k]
        solved = torch.linalg.lstsq(basis, diffs).solution  # [2, k]
        return [[float(x), float(y)] for x, y in solved.T.tolist()]

    @property
    def done(self) -> bool:
        """Whether every row is in."""
        return self.grid.done

    def advance(self, budget_s: float) -> None:
        """Compute about `budget_s` of points (at least one); live weights are back after."""
        cells = slice_cells(
            self._model, self._loss, self._centre, self._directions, self.grid, budget_s=budget_s
        )
        next(cells, None)

    def finish(self) -> ProbeResult:
        """Compute every point left and answer the whole slice."""
        self.advance(math.inf)
        return self.result()

    def result(self) -> ProbeResult:
        """The slice so far: rows not yet computed are NaN."""
        n, m = len(self.grid.alphas), len(self.grid.betas)
        loss = torch.full((n * m,), math.nan)
        loss[: len(self.grid.values)] = torch.tensor(self.grid.values)
        loss = loss.reshape(m, n)
        path = torch.tensor(self.path, dtype=torch.float32).reshape(-1, 2)
        return ProbeResult(
            topic="loss_landscape",
            node=None,
            meta={
                "alphas": self.grid.alphas,
                "betas": self.grid.betas,
                "rows_done": len(self.grid.values) // len(self.grid.alphas),
                "points_done": len(self.grid.values),
                "rows": len(self.grid.betas),
                "plane": self.plane,
                "explained": self.explained,
                "samples": self.options.samples,
            },
            arrays={"loss": loss, "path": path},
        )
