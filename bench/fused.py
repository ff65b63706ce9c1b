"""Runs of one lesson stepped as one stacked step against the same runs taking turns.

`--runs` (32) runs of each `--lesson` (`spiral-mlp`, the 2-16-16-2 MLP, and `digits-cnn`,
two convolutions on 8x8 digits; Adam, or `--optimizer sgd` with momentum), each with its
own learning rate and seed, in this process on the CPU (`--device`). Taking turns: each
run's `Trainer.step(--chunk)` in turn, as the worker's slices do. Fused: one
`FusedGroup.step(--chunk)` for all of them. Both are timed over `--seconds` (5) each after a
warm-up, alternating `--rounds` (3) times so that the load of a shared machine falls on
both alike; the ratio of aggregate steps per second is the result (goal for spiral-mlp on
this CPU: >= 8x). A bare PyTorch loop of one run (the same module, the textbook
forward, loss, backward and optimizer step by hand) is the yardstick for one run alone.

Run: `.venv/bin/python bench/fused.py [--lesson spiral-mlp] [--runs 32] [--seconds 5]`.
"""

# Tensor.backward is unannotated in some torch releases and annotated in others.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import argparse
import copy
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


def bare_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int) -> Callable[[], int]:
    """One run by hand: the lesson's module, Adam, cross-entropy, fixed-size batches."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    cursor = [0]

    def chunk() -> int:
        for _ in range(50):
            i = cursor[0] % (len(x) - batch)
            cursor[0] += batch
            loss = nn.functional.cross_entropy(model(x[i : i + batch]), y[i : i + batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return 50

    return chunk


def measure(lesson: str, args: argparse.Namespace) -> dict[str, float]:
    """Median aggregate steps/s of the bare loop, the runs taking turns, and the fused group."""
    run = PRESETS[lesson]["run"]
    data = load_dataset(run["dataset"]["name"], run["dataset"].get("params", {}))
    batch = run["training"]["batch_size"]
    base = {"optimizer": args.optimizer, "max_steps": 10_000_000, "batch_size": batch}
    extra = {"momentum": 0.9} if args.optimizer == "sgd" else {}

    def make() -> list[Trainer]:
        return [
            Trainer(
                run["network"],
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
        for trainer in turns:
            trainer.step(chunk, evaluate=False)
        return chunk * len(turns)

    def fused() -> int:
        group.step(chunk, evaluate=False)
        return chunk * len(group.members)

    x = data.x_train.to(args.device)
    y = data.y_train.to(args.device)
    bare = bare_loop(copy.deepcopy(turns[0].model), x, y, batch)
    for work in (take_turns, fused, bare):
        rate(work, 0.5)  # warm-up
    rates: dict[str, list[float]] = {"turns": [], "fused": [], "bare": []}
    for _ in range(args.rounds):
        rates["turns"].append(rate(take_turns, args.seconds))
        rates["fused"].append(rate(fused, args.seconds))
        rates["bare"].append(rate(bare, args.seconds / 2))
    return {k: statistics.median(v) for k, v in rates.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", action="append", choices=("spiral-mlp", "digits-cnn"))
    parser.add_argument("--runs", type=int, default=32)
    parser.add_argument("--optimizer", default="adam", choices=("adam", "adamw", "sgd"))
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"{args.runs} runs of each lesson, {args.optimizer}, {args.chunk} steps a call, "
        f"{args.threads} thread(s), {args.device}"
    )
    print(f"{'':<24} {'bare loop':>10} {'taking turns':>13} {'fused':>8} {'fused/turns':>12}")
    for lesson in args.lesson or ["spiral-mlp", "digits-cnn"]:
        median = measure(lesson, args)
        print(
            f"{lesson + ' (steps/s)':<24} {median['bare']:>10,.0f} {median['turns']:>13,.0f} "
            f"{median['fused']:>8,.0f} {median['fused'] / median['turns']:>11.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
