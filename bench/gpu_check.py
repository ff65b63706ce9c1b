"""The GPU path in one run, for a machine with CUDA: one table, the card's name on top.

Measured on the device, each for `--seconds` after a warm-up:

- the tiny MLP (the spiral lesson's 2-16-16-2, Adam, batch 32): the textbook eager loop
  (`nn.Sequential`, forward, loss, backward, step), one run through the worker's own slices
  with its step replayed as a CUDA graph, and the same run with graphs off (goal >= 8,000
  steps/s with graphs);
- the digits CNN lesson through the worker (goal >= 2,500 steps/s);
- 32 runs of the MLP as one fused group (`models.fused.FusedGroup`), aggregate (goal >= 7,500);
- CUDA graph replay against eager after 100 steps (the largest weight difference);
- the server's throughput against a bare loop with a viewer streaming metrics
  (`bench/server_throughput.py --device cuda`, needs FastAPI and uvicorn installed).

Run: `python bench/gpu_check.py [--seconds 5] [--skip-server]`. Exit 1 if a goal is missed.
On a machine with a CUDA PyTorch but without the web packages, install them from wheels
fetched beforehand for its Python, e.g. `pip download --python-version 3.12
--only-binary=:all: -d .wheels fastapi uvicorn pydantic pydantic-settings websockets
safetensors scikit-learn`, then there `pip install --no-index --find-links .wheels ...`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import argparse
import queue
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from models.datasets import load_dataset
from models.fused import FusedGroup
from models.presets import PRESETS
from models.run import RunConfig
from models.train import Trainer
from server import protocol as wire
from server.worker import Worker, WorkerOptions


def sync_rate(work: Callable[[], int], seconds: float) -> float:
    """Steps per second of `work` (answering its steps), the device synchronized at both ends."""
    work()  # warm-up (and, for graphs, the capture)
    torch.cuda.synchronize()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        steps += work()
    torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def textbook(seconds: float) -> float:
    """The spiral MLP by hand, eager, on the GPU."""
    data = load_dataset("spiral", {})
    x, y = data.x_train.cuda(), data.y_train.cuda()
    model = nn.Sequential(
        nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2)
    ).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    batch = 32

    def chunk() -> int:
        for i in range(100):
            j = (i * batch) % (len(x) - batch)
            loss = nn.functional.cross_entropy(model(x[j : j + batch]), y[j : j + batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
        return 100

    return sync_rate(chunk, seconds)


def through_worker(lesson: str, seconds: float, *, graphs: bool) -> tuple[float, str | None]:
    """One run of a lesson through the worker's slices on CUDA: steps/s, why not graphed."""
    run = RunConfig.model_validate(PRESETS[lesson]["run"])
    run = run.model_copy(
        update={
            "device": "cuda",
            "training": run.training.model_copy(update={"max_steps": 100_000_000}),
        }
    )
    commands: queue.Queue[wire.Command] = queue.Queue()
    events: queue.Queue[wire.Event] = queue.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        options = WorkerOptions(device="cuda", data_dir=tmp, checkpoint_s=1e9, fuse=False)
        worker = Worker(options, commands, events)
        worker.handle(wire.Start(run_id="r", config=run))
        held = worker.runs["r"]
        job: Any = held.job
        if not graphs:
            job.cuda_graphs = False
            job._new_optimizer()  # the same settings, stepping eagerly
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end:
            worker.slice(held)
        torch.cuda.synchronize()
        steps, start = job.step_count, time.perf_counter()
        while time.perf_counter() - start < seconds:
            worker.slice(held)
        torch.cuda.synchronize()
        return (job.step_count - steps) / (time.perf_counter() - start), job.graph_note


def fused(runs: int, seconds: float) -> float:
    """Aggregate steps/s of `runs` spiral MLPs stepping as one group on the GPU."""
    run = PRESETS["spiral-mlp"]["run"]
    data = load_dataset("spiral", {})
    trainers = [
        Trainer(
            run["network"],
            data,
            {**run["training"], "max_steps": 100_000_000, "lr": 0.001 * (i + 1), "seed": i},
            device="cuda",
            eval_samples=64,
        )
        for i in range(runs)
    ]
    group = FusedGroup(trainers)

    def chunk() -> int:
        group.step(50, evaluate=False)
        return 50 * runs

    return sync_rate(chunk, seconds)


def replay_difference() -> float:
    """The largest weight difference between a graphed and an eager run after 100 steps."""
    run = PRESETS["spiral-mlp"]["run"]
    body = {**run["training"], "max_steps": 10_000, "seed": 3}
    graphed = Trainer(run["network"], "spiral", body, device="cuda")
    eager = Trainer(run["network"], "spiral", body, device="cuda", cuda_graphs=False)
    for trainer in (graphed, eager):
        trainer.step(100, evaluate=False)
    return max(
        float((a - b).abs().max())
        for a, b in zip(graphed.model.parameters(), eager.model.parameters(), strict=True)
    )


def server_ratio(seconds: float) -> str:
    """bench/server_throughput.py on CUDA: its last lines, or why it did not run."""
    script = Path(__file__).resolve().parent / "server_throughput.py"
    args = [sys.executable, str(script), "--device", "cuda", "--seconds", str(seconds)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return "\n".join(lines[-8:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check")
        return 1
    torch.backends.cudnn.benchmark = True
    s = args.seconds
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    mlp_graph, note = through_worker("spiral-mlp", s, graphs=True)
    rows: list[tuple[str, float, float | None]] = [
        ("MLP, textbook eager loop", textbook(s), None),
        ("MLP, worker, CUDA graph", mlp_graph, 8000.0),
        ("MLP, worker, eager", through_worker("spiral-mlp", s, graphs=False)[0], None),
        ("digits CNN, worker", through_worker("digits-cnn", s, graphs=True)[0], 2500.0),
        ("32 fused MLPs, aggregate", fused(32, s), 7500.0),
    ]
    missed = 0
    print(f"{'':<28} {'steps/s':>10} {'goal':>8}")
    for label, value, goal in rows:
        mark = "" if goal is None else ("ok" if value >= goal else "MISSED")
        missed += mark == "MISSED"
        goal_text = "" if goal is None else f"{goal:,.0f}"
        print(f"{label:<28} {value:>10,.0f} {goal_text:>8} {mark}")
    if note is not None:
        print(f"the MLP's step was not captured: {note}")
    difference = replay_difference()
    print(f"graph replay vs eager, 100 steps: largest weight difference {difference:.2e}")
    missed += difference > 1e-5
    if not args.skip_server:
        print(server_ratio(s))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
