"""Runs of one network trained as one stacked step: vmap over their weights, per-run updates.

Tiny networks are launch-bound: one run's step is mostly Python and kernel launches. Runs
that share a network, a dataset, an optimizer type and a batch size (a class training one
lesson with different learning rates or seeds) can take their steps together: their
parameters stacked along a new leading axis, forward and backward through `torch.func.vmap`
of a functional call, and the update applied to the stacked tensors with each run's own
hyperparameters as per-run tensors. Each run keeps its own batch order (its trainer's
generator and cursor), its own metrics, divergence and snapshots; its module's parameters
are views into the stacked ones, so probes and checkpoints read its live weights as ever.

The updates follow torch.optim's single-tensor formulas (SGD with momentum, dampening 0,
Nesterov and L2 weight decay; Adam; AdamW's decoupled decay), so that a run trained in a
group has the weights it would have had alone, to float rounding. (Adam's bias corrections
are worked out in double precision, as torch does on the CPU; a capturable torch Adam on a
GPU works them out in single precision, so there the two agree to single-precision
rounding of those constants.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.func import functional_call, grad_and_value, vmap

from models.graphs import GraphedStep
from models.optim import TrainingConfig
from models.train import StepResult, Trainer

FUSABLE_OPTIMIZERS = ("sgd", "adam", "adamw")
FETCH_BYTES = 64 * 2**20  # the members' inputs fetched at once, at most (a stretch of steps)


def fuse_blocker(trainer: Trainer) -> str | None:
    """Why a run cannot train in a group (None: it can)."""
    if trainer.config.optimizer not in FUSABLE_OPTIMIZERS:
        return f"{trainer.config.optimizer} has no stacked update"
    if trainer.diverged is not None:
        return "it has diverged"
    if any(True for _ in trainer.model.buffers()):
        return "its network keeps running statistics (a norm layer's buffers)"
    if any(isinstance(m, nn.modules.dropout._DropoutNd) for m in trainer.model.modules()):
        return "its dropout draws from the run's own random stream"
    return None


def fuse_key(network: Any, dataset: Any, training: TrainingConfig, device: str) -> str:
    """What runs must share to train together: network, data, optimizer type, batch size."""
    nodes = [
        {k: v for k, v in node.items() if k != "position"} for node in network.get("nodes", [])
    ]
    shape = {"nodes": nodes, "edges": network.get("edges", [])}
    return json.dumps(
        [shape, dataset, training.optimizer, training.batch_size, device], sort_keys=True
    )


def _column(values: Sequence[float], like: torch.Tensor) -> torch.Tensor:
    """One value per run, as a column [R, 1] that broadcasts over the stacked weights [R, P]."""
    return torch.tensor(values, dtype=like.dtype, device=like.device).unsqueeze(1)


def _kinds(optimizer: str) -> tuple[str, ...]:
    """The optimizer state each parameter has, by torch.optim's names."""
    return ("momentum_buffer",) if optimizer == "sgd" else ("exp_avg", "exp_avg_sq")


class FusedGroup:
    """Several trainers of one network stepping as one; members join and leave between steps.

    Every member's weights are one row of `flat` [R, P] (P: all parameters, in the
    module's order), its optimizer state one row of each `state` tensor; the update is a
    handful of operations on the whole block, whatever the number of runs and layers.
    """

    def __init__(self, trainers: Sequence[Trainer]) -> None:
        if not trainers:
            raise ValueError("a group needs at least one run")
        for trainer in trainers:
            reason = fuse_blocker(trainer)
            if reason is not None:
                raise ValueError(f"this run cannot train in a group: {reason}")
        first = trainers[0]
        self.base = first.model  # its structure runs every member's weights
        self.objective = first.objective
        self.optimizer = first.config.optimizer
        # (name, shape, start, end) of each parameter in a row of `flat`.
        self.layout: list[tuple[str, torch.Size, int, int]] = []
        at = 0
        for name, param in first.model.named_parameters():
            self.layout.append((name, param.shape, at, at + param.numel()))
            at += param.numel()
        like = next(first.model.parameters())
        self.flat = torch.empty(0, at, dtype=like.dtype, device=like.device)
        self.state = {kind: self.flat.clone() for kind in _kinds(self.optimizer)}
        self.params: dict[str, torch.Tensor] = {}
        self.members: list[Trainer] = []
        self.steps: list[int] = []  # each member's optimizer step count (Adam's bias correction)
        # The same counts on the device, as a column [R, 1] the update reads (and advances).
        self.step_t = torch.zeros(0, 1, dtype=torch.float64, device=like.device)
        self._hyper: tuple[tuple[TrainingConfig, ...], dict[str, torch.Tensor]] | None = None
        # On CUDA the stacked step is captured and replayed as one graph (models/graphs.py).
        graphs = like.device.type == "cuda" and all(t.cuda_graphs for t in trainers)
        self.graphed = GraphedStep(self.take_step, self._memory, like.device) if graphs else None
        for trainer in trainers:
            self.join(trainer)

    # --- membership -----------------------------------------------------------------

    def _row(self, trainer: Trainer) -> tuple[torch.Tensor, dict[str, torch.Tensor], int]:
        """A trainer's weights, optimizer state (zeros where it has none yet) and step count."""
        params = dict(trainer.model.named_parameters())
        held = [trainer.optimizer.state.get(params[name], {}) for name, *_ in self.layout]
        weights = torch.cat([params[name].detach().reshape(-1) for name, *_ in self.layout])
        state = {
            kind: torch.cat(
                [
                    (h[kind] if h.get(kind) is not None else torch.zeros_like(params[name]))
                    .detach()
                    .reshape(-1)
                    for h, (name, *_) in zip(held, self.layout, strict=True)
                ]
            )
            for kind in self.state
        }
        if self.optimizer == "sgd":
            # SGD keeps no step count: torch starts the buffer from the first gradient, so a
            # run that has a buffer counts as past its first step (see _sgd).
            step = 0 if held[0].get("momentum_buffer") is None else 1
        else:
            step = int(held[0]["step"]) if "step" in held[0] else 0
        return weights, state, step

    def join(self, trainer: Trainer) -> None:
        """Add a run, with its weights and optimizer state as they are."""
        reason = fuse_blocker(trainer)
        if reason is not None:
            raise ValueError(f"this run cannot join the group: {reason}")
        if trainer.config.optimizer != self.optimizer:
            raise ValueError(f"the group trains with {self.optimizer}, not with another")
        if trainer.graphed is not None:
            trainer.graphed.drop("it steps in a group")  # its graph's memory goes with it
        for param in trainer.model.parameters():
            param.grad = None  # the group's gradients are its own
        weights, state, step = self._row(trainer)
        with torch.no_grad():
            self.flat = torch.cat([self.flat, weights.unsqueeze(0)])
            for kind, row in state.items():
                self.state[kind] = torch.cat([self.state[kind], row.unsqueeze(0)])
        self.members.append(trainer)
        self.steps.append(step)
        self._rebind()

    def leave(self, trainer: Trainer) -> None:
        """Take a run out: its module and optimizer get their own copies of weights and state."""
        i = self.members.index(trainer)
        params = dict(trainer.model.named_parameters())
        with torch.no_grad():
            for name, shape, a, b in self.layout:
                param = params[name]
                param.data = self.flat[i, a:b].view(shape).clone()
                if self.optimizer == "sgd" and self.steps[i] == 0:
                    trainer.optimizer.state.pop(param, None)  # no gradient seen yet
                    continue
                held = trainer.optimizer.state[param]
                for kind, value in self.state.items():
                    held[kind] = value[i, a:b].view(shape).clone()
                if self.optimizer != "sgd":
                    # A capturable optimizer keeps its count beside the weights.
                    capturable = trainer.optimizer.param_groups[0].get("capturable", False)
                    on = param.device if capturable else None
                    held["step"] = torch.tensor(float(self.steps[i]), device=on)
            keep = [j for j in range(len(self.members)) if j != i]
            self.flat = self.flat[keep]
            for kind in self.state:
                self.state[kind] = self.state[kind][keep]
        del self.members[i]
        del self.steps[i]
        self._rebind()

    def _rebind(self) -> None:
        """Point every member's parameters at its row of the stacked weights."""
        if self.graphed is not None:
            self.graphed.drop("a run joined or left the group")
        self.step_t = torch.tensor(
            [[float(s)] for s in self.steps], dtype=torch.float64, device=self.flat.device
        ).reshape(-1, 1)
        runs = len(self.members)
        self.params = {
            name: self.flat[:, a:b].view(runs, *shape) for name, shape, a, b in self.layout
        }
        for i, trainer in enumerate(self.members):
            params = dict(trainer.model.named_parameters())
            for name, *_ in self.layout:
                params[name].data = self.params[name][i]

    def _memory(self) -> list[int]:
        """Where the stacked weights, state and step counts live (a graph reads them there)."""
        held = [self.flat, self.step_t, *self.state.values()]
        return [t.data_ptr() for t in held]

    # --- training -------------------------------------------------------------------

    def _loss(self) -> Callable[..., torch.Tensor]:
        base, objective = self.base, self.objective

        def loss(params: dict[str, torch.Tensor], x: torch.Tensor, t: torch.Tensor) -> Any:
            return objective.loss(functional_call(base, params, (x,)), t)

        return loss

    def _hyperparameters(self) -> dict[str, torch.Tensor]:
        """Each run's settings as columns, made again only when a setting or member changes.

        Every constant is worked out in double precision, as torch.optim does with its
        Python floats, and only then rounded to the weights' type; the betas stay double
        for the bias corrections, which are worked out on the device from the step counts.
        """
        configs = tuple(t.config for t in self.members)
        if self._hyper is not None and self._hyper[0] == configs:
            return self._hyper[1]
        if self.graphed is not None:
            self.graphed.drop("a run's settings changed")  # they are baked into the graph
        flat = self.flat
        double = flat.new_empty(0, dtype=torch.float64)
        columns = {
            "lr": _column([c.lr for c in configs], flat),
            "weight_decay": _column([c.weight_decay for c in configs], flat),
            "momentum": _column([c.momentum for c in configs], flat),
            "nesterov": _column([float(c.nesterov) for c in configs], flat).bool(),
            "decay": _column([1 - c.lr * c.weight_decay for c in configs], flat),
            "rest1": _column([1 - c.beta1 for c in configs], flat),
            "beta2": _column([c.beta2 for c in configs], flat),
            "rest2": _column([1 - c.beta2 for c in configs], flat),
            "eps": _column([c.eps for c in configs], flat),
            "lr64": _column([c.lr for c in configs], double),
            "beta1_64": _column([c.beta1 for c in configs], double),
            "beta2_64": _column([c.beta2 for c in configs], double),
        }
        self._hyper = (configs, columns)
        return columns

    def step(self, n: int = 1, *, evaluate: bool | Sequence[bool] = True) -> list[StepResult]:
        """Take n steps of every member together (none past its max_steps); their results, in
        the members' order as of the call (`evaluate`: for all, or per member)."""
        flags = [evaluate] * len(self.members) if isinstance(evaluate, bool) else list(evaluate)
        n = min([n, *(t.config.max_steps - t.step_count for t in self.members)])
        if n <= 0:
            return [t.step(0, evaluate=e) for t, e in zip(self.members, flags, strict=True)]
        losses: list[torch.Tensor] = []
        start = time.perf_counter()
        self.base.train()
        self._hyperparameters()  # settings changed since the last step drop the graph first
        # Every member's batches a stretch of steps at once, [R, k, B, ...] (each step's
        # batches a slice of it), the stretch no larger than FETCH_BYTES of inputs.
        first = self.members[0]
        row = first.data.x_train[0]
        per_step = row.numel() * row.element_size() * first.batch_size * len(self.members)
        stretch = max(1, FETCH_BYTES // max(1, per_step))
        done = 0
        while done < n:
            k = min(stretch, n - done)
            chunks = [t.next_batches(k) for t in self.members]
            xs = torch.stack([c[0] for c in chunks])
            ts = torch.stack([c[1] for c in chunks])
            for j in range(k):
                self.steps = [s + 1 for s in self.steps]
                if self.graphed is not None:
                    losses.append(self.graphed(xs[:, j], ts[:, j]))
                else:
                    losses.append(self.take_step(xs[:, j], ts[:, j]))
            done += k
        elapsed = time.perf_counter() - start
        per_run = torch.stack(losses, dim=1)  # [R, n]
        results = [
            trainer.record(per_run[i], elapsed, evaluate=flags[i])
            for i, trainer in enumerate(self.members)
        ]
        for trainer in [t for t in self.members if t.diverged is not None]:
            self.leave(trainer)  # it fails alone; the others go on
        return results

    def take_step(self, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """One stacked step on these batches [R, B, ...]: each run's loss [R].

        Only operations on tensors, with every update in place and no value read back to
        the host, so that the step can be captured in a CUDA graph as it is.
        """
        grads, loss = vmap(grad_and_value(self._loss()))(self.params, x, targets)
        with torch.no_grad():
            self.step_t.add_(1)
            self._update(grads)
        out: torch.Tensor = loss.detach()
        return out

    def _update(self, grads: dict[str, torch.Tensor]) -> None:
        """One optimizer step on the stacked weights, each run with its own hyperparameters."""
        runs = len(self.members)
        grad = torch.cat([grads[name].reshape(runs, -1) for name, *_ in self.layout], dim=1)
        h = self._hyperparameters()
        if self.optimizer == "sgd":
            self._sgd(grad, h)
        else:
            self._adam(grad, h, decoupled=self.optimizer == "adamw")

    def _sgd(self, grad: torch.Tensor, h: dict[str, torch.Tensor]) -> None:
        """torch.optim.SGD: d = g + wd p; b = d at first, else mu b + d; p -= lr (d + mu b | b)."""
        d = grad + h["weight_decay"] * self.flat
        held = self.state["momentum_buffer"]
        buf = torch.where(self.step_t == 1, d, held * h["momentum"] + d)
        has_momentum = h["momentum"] != 0
        held.copy_(torch.where(has_momentum, buf, held))
        step = torch.where(
            has_momentum, torch.where(h["nesterov"], d + h["momentum"] * buf, buf), d
        )
        self.flat.sub_(h["lr"] * step)

    def _adam(self, grad: torch.Tensor, h: dict[str, torch.Tensor], *, decoupled: bool) -> None:
        """torch.optim.Adam (or AdamW's decoupled decay), bias-corrected per run's own step."""
        if decoupled:
            self.flat.mul_(h["decay"])
        else:
            grad = grad + h["weight_decay"] * self.flat
        avg, sq = self.state["exp_avg"], self.state["exp_avg_sq"]
        avg.lerp_(grad, h["rest1"])
        sq.mul_(h["beta2"]).add_(h["rest2"] * grad * grad)
        # The bias corrections in double, as torch.optim works them out with Python floats.
        size = (h["lr64"] / (1 - h["beta1_64"] ** self.step_t)).to(self.flat.dtype)
        root = ((1 - h["beta2_64"] ** self.step_t) ** 0.5).to(self.flat.dtype)
        self.flat.sub_(size * (avg / (sq.sqrt() / root + h["eps"])))
