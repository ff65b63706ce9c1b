"""What one training step costs, estimated from the shapes before anything is allocated.

Forward FLOPs of a node: a layer with weights does a multiply-add per weight at each
output position (2 x weights x positions; exact for linear and conv2d, an upper bound
for strided transposed convolutions; once per sample where weights are not shared),
and every layer touches each of its input and output values once. Backward costs about
twice the forward. Memory: each node's output is kept for the backward pass and gets a
gradient of the same size (float32), and each weight has its value, its gradient and up
to two optimizer slots.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from models.shapes import ShapeReport

BYTES = 4  # float32
BACKWARD_FACTOR = 3  # forward + backward (about twice the forward)
SLOTS_PER_WEIGHT = 4  # value, gradient, two optimizer moments (Adam's)


@dataclass(frozen=True)
class StepCost:
    """One training step of a batch: floating-point operations and memory, estimated."""

    flops: int
    activation_bytes: int
    weight_bytes: int
    busiest: str | None = None  # the node doing the most arithmetic
    largest: str | None = None  # the node with the largest output

    @property
    def memory_bytes(self) -> int:
        """Activations (and their gradients) plus weights (and their optimizer state)."""
        return self.activation_bytes + self.weight_bytes


def _numel(shape: tuple[int, ...] | None) -> int:
    return 0 if shape is None else math.prod(shape)


def _positions(shape: tuple[int, ...] | None) -> int:
    """Output positions a weight is applied at: H x W for [C, H, W], 1 for vectors."""
    return math.prod(shape[1:]) if shape is not None and len(shape) == 3 else 1


def estimate_step(report: ShapeReport, batch_size: int) -> StepCost:
    """The cost of one step at this batch size (for a report whose shapes are known)."""
    graph = report.graph
    if graph is None:
        return StepCost(0, 0, 0)
    work: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for node in graph.order:
        out = report.shapes.get(node)
        inputs = sum(_numel(report.shapes.get(src)) for src in graph.inputs.get(node, ()))
        weights = report.params.get(node, 0)
        uses = _positions(out) if graph.layer(node).shares_weights else 1
        work[node] = 2 * weights * uses + max(inputs, _numel(out))
        sizes[node] = _numel(out)
    return StepCost(
        flops=BACKWARD_FACTOR * sum(work.values()) * batch_size,
        activation_bytes=2 * sum(sizes.values()) * batch_size * BYTES,
        weight_bytes=SLOTS_PER_WEIGHT * report.total_params * BYTES,
        busiest=max(work, key=work.__getitem__, default=None),
        largest=max(sizes, key=sizes.__getitem__, default=None),
    )


def readable_bytes(n: float) -> str:
    """A byte count in words (1.5 GB, 320 MB, 12 kB)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def measure_flops(device: torch.device, seconds: float = 0.2) -> float:
    """This device's training speed in FLOP/s, on a small convolution's forward and backward.

    A convolution rather than a matrix product: it is what the heavy networks here do,
    and on a CPU it runs well below the matrix-product peak.
    """
    x = torch.randn(16, 16, 32, 32, device=device)
    w = torch.randn(16, 16, 3, 3, device=device, requires_grad=True)
    flops = BACKWARD_FACTOR * 2 * w.numel() * 32 * 32 * 16

    def once() -> None:
        torch.nn.functional.conv2d(x, w, padding=1).sum().backward()  # type: ignore[no-untyped-call]

    once()  # warm-up: kernels chosen, memory allocated
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or n < 3:
        once()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        n += 1
    return flops * n / elapsed
