"""A live loss landscape's cost: the digits CNN trains while a 25x25 slice on 256 samples
fills in a row at a time, against the same training with no slice, in one process.

The worker's own loop (`server.worker.Worker`, plain queues) trains the run; the slice is
watched as a viewer would ask, in half-second windows that alternate with windows where
it is not (a shared machine's speed drifts; both kinds of window see the same drift).
Printed: the seconds of watched training until the slice is complete, and the training
steps per second in the watched windows against the others (goal: ratio >= 0.9).

Run: `.venv/bin/python bench/landscape_cost.py [--grid 25 --samples 256 --threads 1]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts bench/ first on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import queue
import tempfile
import time

import torch

from models.presets import PRESETS
from models.run import RunConfig
from server import protocol as wire
from server.worker import Worker, WorkerOptions

WINDOW_S = 0.5  # the length of each window with and without the slice


def train_for(worker: Worker, seconds: float) -> float:
    """Steps per second of the run over about `seconds` of the worker's slices."""
    run = worker.runs["r"]
    steps, start = run.job.step_count, time.perf_counter()
    while time.perf_counter() - start < seconds:
        worker.slice(run)
    return (run.job.step_count - steps) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    """Print the slice's time to complete and the training-speed ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--grid", type=int, default=25)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    run = RunConfig.model_validate(PRESETS["digits-cnn"]["run"])
    run = run.model_copy(
        update={"training": run.training.model_copy(update={"max_steps": 1_000_000})}
    )
    commands: queue.Queue[wire.Command] = queue.Queue()
    events: queue.Queue[wire.Event] = queue.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        options = WorkerOptions(device="cpu", data_dir=tmp, checkpoint_s=1e9)
        worker = Worker(options, commands, events)
        worker.handle(wire.Start(run_id="r", config=run))
        train_for(worker, 2.0)  # warmed up, and some snapshots for the path
        watch = {"grid": args.grid, "samples": args.samples}
        worker.handle(wire.Watch(run_id="r", topics={"loss_landscape": 1.0}, options=watch))
        held = worker.runs["r"]
        # Windows with the slice watched alternate with windows without it, so that the
        # machine's drift (a shared host's speed wanders by 20%) falls on both alike.
        time_in = {True: 0.0, False: 0.0}
        steps_in = {True: 0, False: 0}
        watched = True
        while held.landscape is None or not held.landscape.done:
            if not watched:
                held.watch.pop("loss_landscape")
            began, steps = time.perf_counter(), held.job.step_count
            while time.perf_counter() - began < WINDOW_S:
                worker.slice(held)
                if held.landscape is not None and held.landscape.done:
                    break
            spent = time.perf_counter() - began
            time_in[watched] += spent
            steps_in[watched] += held.job.step_count - steps
            if not watched:  # a window without the slice earns it no probe time
                worker.probe_clock += spent
            held.watch["loss_landscape"] = 1.0
            watched = not watched
        took = time_in[True]
        during = steps_in[True] / time_in[True]
    if time_in[False] == 0:
        print("the slice was complete within the first window: lower --grid or raise --samples")
        return 1
    baseline = steps_in[False] / time_in[False]
    print(
        f"digits CNN, {args.grid}x{args.grid} landscape on {args.samples} samples: complete in "
        f"{took:.1f} s of training with it; training {during:.0f} steps/s during it against "
        f"{baseline:.0f} without "
        f"(ratio {during / baseline:.2f}, goal >= 0.9)"
    )
    return 0 if during / baseline >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
