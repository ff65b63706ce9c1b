"""A run's whole training step in one CUDA graph: captured after a few warm-up steps, replayed.

A tiny network's eager step is launch-bound: the GPU waits on Python and on dozens of
kernel launches. Captured once (forward, backward and the optimizer's update, the
optimizer built `capturable` so that its step counters live on the GPU), the step is one
graph launch: the batch is copied into the graph's static input, the graph replayed, and
the loss read from its static output. Replay runs exactly the kernels the eager step ran,
on the same memory, so the weights are those of eager training (PyTorch's CUDA graphs
notes: "whole network capture").

What cannot be captured steps eagerly, with the reason kept for the log: a device other
than CUDA, dropout drawing from the run's own generator, an optimizer without a
capturable update. What changes the graph's memory or constants (a live change of
settings, a restored checkpoint, weights moved into a fused group, a probe that replaced
the gradients) drops the graph; it is captured again after the warm-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch
from torch import nn

log = logging.getLogger("layerlab.graphs")

WARMUP_STEPS = 3  # eager steps on a side stream before capture: state made, kernels chosen
CAPTURABLE = ("sgd", "adam", "adamw", "rmsprop")  # updates with no host-side state after step 1

StepFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def graph_blocker(device: torch.device, model: nn.Module, optimizer_name: str) -> str | None:
    """Why a run's step cannot be captured (None: it can)."""
    if device.type != "cuda":
        return "CUDA graphs need a CUDA device"
    if optimizer_name not in CAPTURABLE:
        return f"{optimizer_name} has no capturable update"
    if any(isinstance(m, nn.modules.dropout._DropoutNd) for m in model.modules()):
        return "its dropout draws from the run's own generator"
    return None


def make_capturable(optimizer: torch.optim.Optimizer, on: bool = True) -> None:
    """Have an optimizer keep its step counters on the device, as capture needs (or not).

    Counters made before (or restored from a checkpoint taken the other way) move with
    the flag: a capturable update refuses counters on the host, a plain one on the device.
    """
    for group in optimizer.param_groups:
        if "capturable" not in group:
            continue
        group["capturable"] = on
        for param in group["params"]:
            step = optimizer.state.get(param, {}).get("step")
            if isinstance(step, torch.Tensor):
                where = param.device if on else torch.device("cpu")
                optimizer.state[param]["step"] = step.to(where, torch.float32)


class GraphedStep:
    """A whole training step (one run's, or a fused group's) captured once and replayed.

    `step` takes a batch and does everything a step does (clear the gradients, forward,
    loss, backward, update), answering the loss; `memory` names the addresses of what the
    step reads and writes between calls (weights, gradients, optimizer state), which must
    not move while the graph is replayed.
    """

    def __init__(self, step: StepFn, memory: Callable[[], list[int]], device: torch.device) -> None:
        self.device = device  # streams and capture on the run's own GPU, not the current one
        self._step = step
        self._memory = memory
        self.graph: torch.cuda.CUDAGraph | None = None
        self.warm = 0  # eager steps taken since the graph was (last) dropped
        self.note: str | None = None  # why the step is eager now
        self.failed = False  # capture failed once: this run steps eagerly from now on
        self._x: torch.Tensor | None = None
        self._t: torch.Tensor | None = None
        self._loss: torch.Tensor | None = None
        self._pointers: list[int] = []
        self._side = torch.cuda.Stream(device=device)  # type: ignore[no-untyped-call]

    def drop(self, why: str) -> None:
        """Forget the graph (what it captured no longer holds); capture again after warm-up."""
        if self.graph is not None:
            log.info("CUDA graph dropped: %s; capturing again after %d steps", why, WARMUP_STEPS)
        self.graph, self.warm, self.note = None, 0, why

    def __call__(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Take one step on this batch; the loss (a tensor on the device)."""
        if self.graph is not None and (
            self._x is None
            or self._t is None
            or x.shape != self._x.shape
            or t.shape != self._t.shape
            or self._memory() != self._pointers
        ):
            self.drop("the batch's shape or the weights' memory changed")
        if self.graph is None:
            if self.failed or self.warm < WARMUP_STEPS:
                return self._eager(x, t)
            self._capture(x, t)
            if self.graph is None:
                return self._eager(x, t)
        assert self._x is not None and self._t is not None and self._loss is not None
        assert self.graph is not None
        self._x.copy_(x)
        self._t.copy_(t)
        self.graph.replay()
        return self._loss.detach().clone()

    def _eager(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """A warm-up step, on a side stream as capture requires of the steps before it."""
        with torch.cuda.device(self.device):
            self._side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(self._side):
                loss = self._step(x, t)
            torch.cuda.current_stream().wait_stream(self._side)
        self.warm += 1
        return loss.detach()

    def _capture(self, x: torch.Tensor, t: torch.Tensor) -> None:
        """Record one step's kernels (none run now), on static copies of the batch."""
        self._x, self._t = x.clone(), t.clone()
        graph = torch.cuda.CUDAGraph()
        try:
            # Thread-local: the worker's saver thread may copy weights to the host meanwhile.
            with (
                torch.cuda.device(self.device),
                torch.cuda.graph(graph, capture_error_mode="thread_local"),
            ):
                loss = self._step(self._x, self._t)
        except (RuntimeError, AssertionError) as exc:  # what capture does not allow: eager
            log.warning("CUDA graph capture failed, stepping eagerly: %s", exc)
            self.graph, self.failed, self.note = None, True, f"capture failed: {exc}"
            return
        self.graph, self._loss, self.note = graph, loss, None
        self._pointers = self._memory()
        log.info("CUDA graph captured after %d warm-up steps", WARMUP_STEPS)


def optimizer_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, loss_of: StepFn
) -> tuple[StepFn, Callable[[], list[int]]]:
    """One run's whole step (gradients cleared, forward, backward, update), and its memory."""

    def step(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # Cleared to None: inside a capture the backward then makes them in the graph's pool.
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(x, t)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        return loss

    def memory() -> list[int]:
        out = []
        for p in model.parameters():
            out.append(p.data_ptr())
            out.append(-1 if p.grad is None else p.grad.data_ptr())
        return out

    return step, memory
