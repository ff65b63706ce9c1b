"""Steps per second of `Trainer.step` against a bare, hand-written PyTorch loop.

For each benchmark model (an MLP on `spiral`, a small CNN on `digits`) this builds a
`models.Trainer` from the contract's JSON spec and, in the same process, the loop a person
writes by hand: an `nn.Sequential` of the same layers (weights copied from the Trainer's
model), the data as tensors on the device, one shuffle per epoch (randperm, gather, slice:
the Trainer's batching), and per step forward, `F.cross_entropy`, `zero_grad`, backward,
`opt.step()`, keeping the detached loss; one device sync per chunk, like the Trainer.

The Trainer is driven as the server drives it: `trainer.step(CHUNK, evaluate=False)`.
After a warm-up, both run in timed rounds; within a round they take turns chunk by chunk
(bare first in even rounds, Trainer first in odd ones) until each has run `--seconds`, so
drift and a neighbour's load hit both alike. The table shows the median steps/s of each side
over the rounds and the ratio: the median over rounds of Trainer / bare within the round
(paired, so steadier than the ratio of the two medians when the load swings between rounds).
It warns when rounds varied widely (a busy machine: rerun). Exit status 1 if any ratio is
below `--min-ratio`. torch's thread count is left as is unless `--threads` sets it.

Run it with `make bench`, or `.venv/bin/python bench/core_step.py [--seconds 2 --rounds 5
--device auto --json results.json --min-ratio 0.95 --threads N]`.
"""

# Tensor.backward is unannotated in some torch releases (2.13 among them) and annotated in
# others, so a per-line ignore would be an unused ignore somewhere; this file-wide setting is not.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file (`python bench/core_step.py`), Python puts bench/ first on the path, not the
# repository root; this makes `import models` work without an editable install.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from models.datasets import load_dataset
from models.device import resolve_device
from models.train import Trainer

CHUNK = 100  # steps per Trainer.step call (what the server asks for)
LR = 0.01
BATCH = 32
SEED = 0
WARMUP_STEPS = 300
NOISY = 1.5  # warn when the fastest round beat the slowest by more than this factor

MLP_SPEC: dict[str, Any] = {
    "version": 1,
    "nodes": [
        {"id": "in", "type": "input", "params": {}},
        {"id": "fc1", "type": "linear", "params": {"out_features": 16}},
        {"id": "relu1", "type": "relu", "params": {}},
        {"id": "fc2", "type": "linear", "params": {"out_features": 16}},
        {"id": "relu2", "type": "relu", "params": {}},
        {"id": "fc3", "type": "linear", "params": {"out_features": 2}},
        {"id": "out", "type": "output", "params": {"loss": "cross_entropy"}},
    ],
    "edges": [
        {"source": a, "target": b}
        for a, b in [
            ("in", "fc1"),
            ("fc1", "relu1"),
            ("relu1", "fc2"),
            ("fc2", "relu2"),
            ("relu2", "fc3"),
            ("fc3", "out"),
        ]
    ],
}

CNN_SPEC: dict[str, Any] = {
    "version": 1,
    "nodes": [
        {"id": "in", "type": "input", "params": {}},
        {"id": "conv1", "type": "conv2d", "params": {"out_channels": 16, "padding": 1}},
        {"id": "relu1", "type": "relu", "params": {}},
        {"id": "pool1", "type": "maxpool2d", "params": {"kernel_size": 2}},
        {"id": "conv2", "type": "conv2d", "params": {"out_channels": 32, "padding": 1}},
        {"id": "relu2", "type": "relu", "params": {}},
        {"id": "pool2", "type": "maxpool2d", "params": {"kernel_size": 2}},
        {"id": "flat", "type": "flatten", "params": {}},
        {"id": "fc", "type": "linear", "params": {"out_features": 10}},
        {"id": "out", "type": "output", "params": {"loss": "cross_entropy"}},
    ],
    "edges": [
        {"source": a, "target": b}
        for a, b in [
            ("in", "conv1"),
            ("conv1", "relu1"),
            ("relu1", "pool1"),
            ("pool1", "conv2"),
            ("conv2", "relu2"),
            ("relu2", "pool2"),
            ("pool2", "flat"),
            ("flat", "fc"),
            ("fc", "out"),
        ]
    ],
}


def mlp() -> nn.Sequential:
    """The MLP, by hand: 2 -> 16 relu -> 16 relu -> 2."""
    return nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2)
    )


def cnn() -> nn.Sequential:
    """The CNN, by hand: [1, 8, 8] -> conv 16 -> pool -> conv 32 -> pool -> [32, 2, 2] -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


@dataclass(frozen=True)
class Case:
    """One benchmark: a spec and dataset for the Trainer, and the same net written by hand."""

    name: str
    spec: dict[str, Any]
    dataset: str
    bare: Callable[[], nn.Sequential]


CASES = (
    Case("mlp/spiral", MLP_SPEC, "spiral", mlp),
    Case("cnn/digits", CNN_SPEC, "digits", cnn),
)


class BareLoop:
    """The training loop a person writes by hand, batching as the Trainer does."""

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        batch: int = BATCH,
        lr: float = LR,
        seed: int = SEED,
    ) -> None:
        self.model = model
        self.x, self.y = x, y
        self.batch = min(batch, len(x))
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.gen = torch.Generator().manual_seed(seed)
        self.cursor = 0
        self.xe, self.ye = self.shuffle()

    def shuffle(self) -> tuple[torch.Tensor, torch.Tensor]:
        perm = torch.randperm(len(self.x), generator=self.gen).to(self.x.device)
        return self.x[perm], self.y[perm]

    def step(self, n: int) -> float:
        """n optimizer steps; one device sync at the end (the mean loss)."""
        losses: list[torch.Tensor] = []
        self.model.train()
        for _ in range(n):
            if self.cursor + self.batch > len(self.x):
                self.xe, self.ye = self.shuffle()
                self.cursor = 0
            xb = self.xe[self.cursor : self.cursor + self.batch]
            yb = self.ye[self.cursor : self.cursor + self.batch]
            self.cursor += self.batch
            loss = F.cross_entropy(self.model(xb), yb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            losses.append(loss.detach())
        return float(torch.stack(losses).mean())  # the one sync per chunk


@torch.no_grad()
def copy_weights(src: nn.Module, dst: nn.Module) -> None:
    """Copy parameters in order (same architecture, so same order and shapes)."""
    src_params, dst_params = list(src.parameters()), list(dst.parameters())
    if [p.shape for p in src_params] != [p.shape for p in dst_params]:
        raise RuntimeError("the hand-written model does not match the Trainer's")
    for s, d in zip(src_params, dst_params, strict=True):
        d.copy_(s)


def timed_round(
    first: Callable[[], object], second: Callable[[], object], seconds: float
) -> tuple[float, float]:
    """Steps per second of two loops, alternating chunk by chunk until each ran `seconds`.

    Interleaving at the chunk level (a fraction of a second) means both sides see the same
    machine: a neighbour's burst of work slows the two alike instead of one round of one.
    """
    runs = (first, second)
    steps = [0, 0]
    spent = [0.0, 0.0]
    while min(spent) < seconds:
        for i, run_chunk in enumerate(runs):
            start = time.perf_counter()
            run_chunk()
            spent[i] += time.perf_counter() - start
            steps[i] += CHUNK
    return steps[0] / spent[0], steps[1] / spent[1]


@dataclass
class Result:
    """One model's numbers: median steps/s per side, the paired ratio, and every round."""

    model: str
    bare_steps_per_s: float
    trainer_steps_per_s: float
    ratio: float
    bare_rounds: list[float] = field(default_factory=list)
    trainer_rounds: list[float] = field(default_factory=list)


def bench_case(case: Case, device: torch.device, seconds: float, rounds: int) -> Result:
    """Median steps/s of the bare loop and of the Trainer, in alternating rounds."""
    trainer = Trainer(
        case.spec,
        case.dataset,
        {"optimizer": "adam", "lr": LR, "batch_size": BATCH, "max_steps": 10_000_000},
        device=device,
    )
    data = load_dataset(case.dataset).to(device)
    model = case.bare().to(device)
    copy_weights(trainer.model, model)
    bare = BareLoop(model, data.x_train, data.y_train)

    def run_trainer() -> object:
        return trainer.step(CHUNK, evaluate=False)

    def run_bare() -> object:
        return bare.step(CHUNK)

    for _ in range(WARMUP_STEPS // CHUNK):
        run_bare()
        run_trainer()

    bare_rates: list[float] = []
    trainer_rates: list[float] = []
    for i in range(rounds):  # who goes first alternates, A/B then B/A
        if i % 2 == 0:
            b, t = timed_round(run_bare, run_trainer, seconds)
        else:
            t, b = timed_round(run_trainer, run_bare, seconds)
        bare_rates.append(b)
        trainer_rates.append(t)
    if trainer.diverged is not None:
        raise RuntimeError(f"{case.name}: the Trainer diverged ({trainer.diverged.message})")
    ratio = statistics.median(t / b for b, t in zip(bare_rates, trainer_rates, strict=True))
    return Result(
        case.name,
        statistics.median(bare_rates),
        statistics.median(trainer_rates),
        ratio,
        bare_rates,
        trainer_rates,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per timed round")
    parser.add_argument(
        "--rounds", type=int, default=5, help="timed rounds (each times both sides)"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--min-ratio",
        type=float,
        default=0.95,
        help="exit 1 if Trainer/bare steps/s falls below this for any model",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch.set_num_threads (default: as is)"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be >= 1 and --seconds > 0")
    device = resolve_device(args.device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    threads = torch.get_num_threads()
    print(f"torch {torch.__version__}, device {device}, torch threads {threads}")
    print(f"{args.rounds} rounds x {args.seconds:g} s per side, chunks of {CHUNK} steps\n")
    results = [bench_case(case, device, args.seconds, args.rounds) for case in CASES]

    print(f"{'model':<12} {'bare steps/s':>13} {'trainer steps/s':>16} {'ratio':>7}")
    for r in results:
        flag = "" if r.ratio >= args.min_ratio else f"  < {args.min_ratio:g}"
        print(
            f"{r.model:<12} {r.bare_steps_per_s:>13.0f} {r.trainer_steps_per_s:>16.0f} "
            f"{r.ratio:>7.3f}{flag}"
        )

    if args.json is not None:
        report = {
            "torch": torch.__version__,
            "device": str(device),
            "threads": threads,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "chunk": CHUNK,
            "min_ratio": args.min_ratio,
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    for r in results:
        rates = r.bare_rounds + r.trainer_rounds
        if max(rates) > NOISY * min(rates):
            print(
                f"note: {r.model} rounds ranged {min(rates):.0f} to {max(rates):.0f} steps/s; "
                "the machine was busy, so rerun for numbers to trust"
            )
    return 0 if all(r.ratio >= args.min_ratio for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
