"""Runs of one lesson stepped as one stacked step against the same runs taking turns.

`--runs` (32) runs of the `spiral-mlp` lesson (2-16-16-2 MLP; Adam, or `--optimizer sgd`
with momentum), each with its own learning rate and seed, in this process on the CPU
(`--device`). Taking turns: each run's `Trainer.step(--chunk)` in turn, as the worker's
slices do. Fused: one `FusedGroup.step(--chunk)` for all of them. Both are timed over
`--seconds` (5) each after a warm-up, alternating `--rounds` (3) times so that the load of
a shared machine falls on both alike; the ratio of aggregate steps per second is the result.
A bare PyTorch loop of one run (`nn.Sequential`, the same steps by hand) is the yardstick
for what one run costs alone.

Run: `.venv/bin/python bench/fused_step.py [--runs 32] [--optimizer adam] [--seconds 5]`.
"""

# Tensor.backward is unannotated in some torch releases and annotated in others.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from models.datasets import load_dataset
from models.fused import FusedGroup
from models.presets import PRESETS
from models.train import Trainer


def rate(work: Callable[[], int], seconds: float) -> float:
    """Steps per second of `work` (which answers the steps it took) over about `seconds`."""
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        steps += work()
    return steps / (time.perf_counter() - start)


def bare_loop(x: torch.Tensor, y: torch.Tensor, batch: int) -> Callable[[], int]:
    """One run by hand: the lesson's MLP, Adam, cross-entropy, fixed-size batches."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    cursor = [0]

    def chunk() -> int:
        for _ in range(50):
            i = cursor[0] % (len(x) - batch)
            cursor[0] += batch
            loss = loss_fn(model(x[i : i + batch]), y[i : i + batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return 50

    return chunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=32)
    parser.add_argument("--optimizer", default="adam", choices=("adam", "adamw", "sgd"))
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    network = PRESETS["spiral-mlp"]["run"]["network"]
    data = load_dataset("spiral", {})
    base = {"optimizer": args.optimizer, "max_steps": 10_000_000, "batch_size": 32}
    extra = {"momentum": 0.9} if args.optimizer == "sgd" else {}

    def make() -> list[Trainer]:
        return [
            Trainer(
                network,
                data,
                {**base, **extra, "lr": 0.001 * (i + 1), "seed": i},
                device=args.device,
                eval_samples=64,
            )
            for i in range(args.runs)
        ]

    turns, fused_runs = make(), make()
    group = FusedGroup(fused_runs)
    chunk: int = args.chunk

    def take_turns() -> int:
        for run in turns:
            run.step(chunk, evaluate=False)
        return chunk * len(turns)

    def fused() -> int:
        group.step(chunk, evaluate=False)
        return chunk * len(group.members)

    x = data.x_train.to(args.device)
    y = data.y_train.to(args.device)
    bare = bare_loop(x, y, 32)
    for work in (take_turns, fused, bare):
        rate(work, 0.5)  # warm-up
    rates: dict[str, list[float]] = {"turns": [], "fused": [], "bare": []}
    for _ in range(args.rounds):
        rates["turns"].append(rate(take_turns, args.seconds))
        rates["fused"].append(rate(fused, args.seconds))
        rates["bare"].append(rate(bare, args.seconds / 2))
    median = {k: statistics.median(v) for k, v in rates.items()}
    print(
        f"{args.runs} runs of spiral-mlp, {args.optimizer}, batch 32, {args.chunk} steps a call, "
        f"{args.threads} thread(s), {args.device}"
    )
    print(f"{'':<22} {'steps/s (all runs)':>20} {'per run':>10}")
    for key, label in (
        ("bare", "bare loop, one run"),
        ("turns", "taking turns"),
        ("fused", "fused group"),
    ):
        runs = 1 if key == "bare" else args.runs
        print(f"{label:<22} {median[key]:>20,.0f} {median[key] / runs:>10,.0f}")
    print(f"fused / taking turns: {median['fused'] / median['turns']:.1f}x")
    print(f"fused aggregate / bare loop: {median['fused'] / median['bare']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
