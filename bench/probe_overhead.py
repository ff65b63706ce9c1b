"""Training speed with every probe of one node streaming at 5 Hz, against none, in one process.

The digits CNN trains in the worker's own loop (`server.worker.Worker`, in this process,
with plain queues): in alternating rounds the worker either streams nothing or streams
`activations`, `feature_maps`, `weights`, `gradients` and `erf` of the first conv at 5 Hz
each, as a viewer would ask. Steps per second of wall-clock time (probe time included) are
compared; the goal is a ratio >= 0.9 (the worker keeps probes near 10% of its time). It
also times one ERF and one feature-map probe on their own.

Run: `.venv/bin/python bench/probe_overhead.py [--seconds 3 --rounds 4 --threads 1 --json PATH]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts bench/ first on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import json
import queue
import statistics
import tempfile
import time
from typing import Any

import torch

from models.presets import PRESETS
from models.probes import effective_receptive_field, feature_maps
from models.run import RunConfig
from models.train import Trainer
from server import protocol as wire
from server.worker import Worker, WorkerOptions

NODE = "c1"
TOPICS = [
    f"{name}:{NODE}" for name in ("activations", "feature_maps", "weights", "gradients", "erf")
]


def run_for(worker: Worker, seconds: float) -> tuple[int, float]:
    """Let the worker train for about `seconds`; steps taken and time spent."""
    run = worker.runs["r"]
    start_steps, start = run.job.step_count, time.perf_counter()
    while time.perf_counter() - start < seconds:
        worker.slice(run)
    return run.job.step_count - start_steps, time.perf_counter() - start


def drain(events: queue.Queue[wire.Event]) -> tuple[int, float]:
    """Empty the event queue; the number of probe frames in it and their compute seconds."""
    frames, seconds = 0, 0.0
    while not events.empty():
        event = events.get_nowait()
        if isinstance(event, wire.ProbeFrame):
            frames += 1
            cost = event.probe.meta["probe_ms"]
            assert isinstance(cost, float)
            seconds += cost / 1000
    return frames, seconds


def probe_ms(fn: Any, repeats: int = 20) -> float:
    """Median milliseconds of one call."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of (off, on)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, as the worker")
    parser.add_argument("--hz", type=float, default=5.0, help="rate asked for each probe")
    parser.add_argument("--min-ratio", type=float, default=0.9)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    commands: queue.Queue[wire.Command] = queue.Queue()
    events: queue.Queue[wire.Event] = queue.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        worker = Worker(WorkerOptions(device="cpu", data_dir=tmp), commands, events)
        run_body = dict(PRESETS["digits-cnn"]["run"])
        run_body["training"] = {**run_body["training"], "max_steps": 1_000_000}
        worker.handle(wire.Start(run_id="r", config=RunConfig.model_validate(run_body)))
        run_for(worker, 1.0)  # warm-up
        off_rates, on_rates, frames, probe_s = [], [], 0, 0.0
        for _ in range(args.rounds):
            worker.handle(wire.Watch(run_id="r", topics={}))
            steps, spent = run_for(worker, args.seconds)
            off_rates.append(steps / spent)
            drain(events)
            worker.handle(wire.Watch(run_id="r", topics=dict.fromkeys(TOPICS, args.hz)))
            steps, spent = run_for(worker, args.seconds)
            on_rates.append(steps / spent)
            got, secs = drain(events)
            frames, probe_s = frames + got, probe_s + secs
        trainer = worker.runs["r"].job
        assert isinstance(trainer, Trainer)
        x = trainer.data.x_test[:64]
        erf_ms = probe_ms(lambda: effective_receptive_field(trainer.model, NODE, x))
        maps_ms = probe_ms(lambda: feature_maps(trainer.model, NODE, x[0]))

    ratio = statistics.median(on / off for off, on in zip(off_rates, on_rates, strict=True))
    per_topic_hz = frames / (args.rounds * args.seconds) / len(TOPICS)
    print(
        f"torch threads {torch.get_num_threads()}; digits CNN; "
        f"probes of {NODE} at {args.hz:g} Hz each"
    )
    print(f"{'no probes':>22} {statistics.median(off_rates):8.0f} steps/s")
    print(
        f"{'all probes of ' + NODE:>22} {statistics.median(on_rates):8.0f} steps/s"
        f"   ({per_topic_hz:.1f} frames/s per topic)"
    )
    print(f"{'ratio':>22} {ratio:8.3f}   (goal >= {args.min_ratio})")
    share = probe_s / (args.rounds * args.seconds)
    print(f"{'probe time share':>22} {share:8.3f}   (of the watched phases)")
    print(f"{'one ERF probe':>22} {erf_ms:8.2f} ms (batch of 64)")
    print(f"{'one feature-map probe':>22} {maps_ms:8.2f} ms")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "off_steps_per_s": off_rates,
                    "on_steps_per_s": on_rates,
                    "ratio": ratio,
                    "erf_ms": erf_ms,
                    "probe_share": share,
                    "feature_maps_ms": maps_ms,
                    "frames_per_topic_hz": per_topic_hz,
                },
                indent=2,
            )
        )
    return 0 if ratio >= args.min_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
