"""Training steps per second through a real server, against a bare PyTorch loop.

For the `spiral-mlp` and `digits-cnn` presets (max_steps raised so they never finish) this
starts `layerlab serve` as a subprocess (127.0.0.1, a free port, a temporary data directory),
creates the run through the REST API, starts it and keeps one websocket viewer on `metrics`
(60 Hz cap, reading every frame). The run trains in `--rounds` (4) windows totalling
`--seconds` (8) per model, pausing in between; rows of the first `--warmup` (2) seconds after
the start (0.5 s after each resume) are skipped. From the rows of each window:

- steps/s (train): (last.step - first.step) / (last.wall_s - first.wall_s), the time spent
  inside the Trainer's step loop (the brief's definition; the goal applies to it unless
  `--goal-basis clock`);
- steps/s (clock): the same steps over (last.time - first.time), what a viewer sees:
  evaluations, metric rows, the queue and the worker's own work all included;
- the CPU the web process and the worker used meanwhile (Linux /proc; 1.00 = one core), and
  steps per CPU second of the worker (everything it does), against the bare loop's steps per
  CPU second of this process: the "cpu ratio", which waiting for a busy core does not move;
- where the worker's clock goes, from consecutive rows: training time per slice, the rest of
  the gap between rows without an evaluation (row, queue, loop), and the extra of rows with one.

The bare loop (`nn.Sequential` of the same layers, data tensors, one randperm per epoch then
slices, Adam, cross-entropy, the preset's batch size and lr, one sync per 100 steps) runs in
this process with the same torch thread count as the worker (`--threads`, default 1: the server
gets LAYERLAB_TORCH_THREADS, this process torch.set_num_threads), and only while the run is
paused, so the two never compete for cores: bare, server, bare, server, ..., bare. The ratio
is the median over rounds of server / (mean of the bare windows either side), so load from
elsewhere that drifts over the minute hits both sides of each pair. Goal: ratio >=
`--min-ratio` (0.9) for every model; exit 1 otherwise.

`--device` passes through to the server and the bare loop (auto, cpu, cuda): on a GPU machine
the same script gives the CUDA figures (the device name is printed).

Run: `.venv/bin/python bench/server_throughput.py [--seconds 8] [--warmup 2] [--rounds 4]
[--threads 1] [--device auto] [--json results.json] [--min-ratio 0.9]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ (serverbench)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import argparse
import json
import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from serverbench import (
    BARE_CHUNK,
    BareLoop,
    MetricsViewer,
    Rate,
    ServerProcess,
    SliceCosts,
    load_average,
    preset_run,
    rate_from_rows,
    slice_costs,
)

from models.device import resolve_device
from server.settings import Settings

PRESET_NAMES = ("spiral-mlp", "digits-cnn")
BARE_WARMUP_STEPS = 300


RESUME_WARMUP = 0.5  # seconds skipped after a resume (the model is warm already)


@dataclass
class Window:
    """One server window: its rate and the CPU the two server processes used meanwhile."""

    rate: Rate
    costs: SliceCosts
    web_cpu: float  # CPU seconds per second of the web process (1.0 = one core)
    worker_cpu: float  # same for the worker process


@dataclass
class Result:
    """One model's numbers (medians over windows; ratios paired by round) and every window."""

    model: str
    bare_steps_per_s: float
    server_steps_per_s: float
    server_clock_steps_per_s: float
    ratio: float
    clock_ratio: float
    train_share: float
    rows_per_s: float
    web_cpu: float
    worker_cpu: float
    bare_steps_per_cpu_s: float
    server_steps_per_cpu_s: float
    cpu_ratio: float
    slice_ms: float
    overhead_ms: float
    eval_ms: float
    bare_windows: list[dict[str, float]] = field(default_factory=list)
    server_windows: list[dict[str, Any]] = field(default_factory=list)


def nan_median(values: Iterable[float]) -> float:
    """Median of the finite values; NaN if none."""
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def server_window(
    srv: ServerProcess,
    run_id: str,
    viewer: MetricsViewer,
    *,
    action: str,
    warmup: float,
    seconds: float,
) -> Window:
    """Start or resume the run, time a window of its rows, then pause it (the server idles)."""
    client = srv.client
    client.control(run_id, action)
    client.wait_for_status(run_id, ("running",), timeout=60)
    begin = time.time()
    time.sleep(warmup)
    cpu0, t0 = srv.cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    cpu1, t1 = srv.cpu_seconds(), time.perf_counter()
    client.control(run_id, "pause")
    client.wait_for_status(run_id, ("paused",), timeout=60)
    rows = viewer.rows()
    rate = rate_from_rows(rows, begin + warmup, begin + warmup + seconds)
    costs = slice_costs(rows, begin + warmup, begin + warmup + seconds)
    span = t1 - t0
    return Window(
        rate, costs, (cpu1["web"] - cpu0["web"]) / span, (cpu1["worker"] - cpu0["worker"]) / span
    )


def bench_model(
    srv: ServerProcess,
    preset: str,
    device: torch.device,
    *,
    server_device: str,
    warmup: float,
    seconds: float,
    rounds: int,
) -> Result:
    """Bare, then (server, bare) per round, each window seconds/rounds long.

    The ratio is the median over rounds of server / (mean of the bare windows either side),
    so that load from elsewhere that drifts over the minute hits both sides of each pair.
    """
    window_s = seconds / rounds
    bare = BareLoop(preset, device)
    bare.step(BARE_WARMUP_STEPS)
    bare_rates = [bare.measure(window_s)]

    run = srv.client.create_run(preset_run(preset, device=server_device, name=f"bench {preset}"))
    run_id = run["id"]
    viewer = MetricsViewer(srv.ws_url(run_id), max_hz=60.0)
    viewer.start()
    viewer.wait_subscribed()
    windows: list[Window] = []
    try:
        for i in range(rounds):
            windows.append(
                server_window(
                    srv,
                    run_id,
                    viewer,
                    action="start" if i == 0 else "resume",
                    warmup=warmup if i == 0 else min(warmup, RESUME_WARMUP),
                    seconds=window_s,
                )
            )
            bare_rates.append(bare.measure(window_s))
    finally:
        viewer.stop()
        record = srv.client.run(run_id)
        if record["status"] in ("queued", "running", "paused"):
            srv.client.control(run_id, "stop")
    failed = [w.rate for w in windows if w.rate.rows < 2]
    if failed:
        raise RuntimeError(f"{preset}: the viewer got fewer than 2 rows in a window: {failed}")
    rates = [w.rate for w in windows]
    bare_wall = [b.steps_per_s for b in bare_rates]
    bare_cpu = [b.steps_per_cpu_s for b in bare_rates]
    pairs = [(bare_wall[i] + bare_wall[i + 1]) / 2 for i in range(rounds)]
    cpu_pairs = [(bare_cpu[i] + bare_cpu[i + 1]) / 2 for i in range(rounds)]
    # The worker's steps per CPU second: steps per clock second / cores it used.
    server_cpu = [w.rate.clock_steps_per_s / w.worker_cpu for w in windows]
    return Result(
        model=preset,
        bare_steps_per_s=statistics.median(bare_wall),
        server_steps_per_s=statistics.median(r.steps_per_s for r in rates),
        server_clock_steps_per_s=statistics.median(r.clock_steps_per_s for r in rates),
        ratio=statistics.median(r.steps_per_s / b for r, b in zip(rates, pairs, strict=True)),
        clock_ratio=statistics.median(
            r.clock_steps_per_s / b for r, b in zip(rates, pairs, strict=True)
        ),
        train_share=statistics.median(r.train_share for r in rates),
        rows_per_s=statistics.median(r.rows / r.clock_s for r in rates if r.clock_s > 0),
        web_cpu=statistics.median(w.web_cpu for w in windows),
        worker_cpu=statistics.median(w.worker_cpu for w in windows),
        bare_steps_per_cpu_s=statistics.median(bare_cpu),
        server_steps_per_cpu_s=nan_median(server_cpu),
        cpu_ratio=nan_median(c / b for c, b in zip(server_cpu, cpu_pairs, strict=True)),
        slice_ms=nan_median(w.costs.slice_ms for w in windows),
        overhead_ms=nan_median(w.costs.overhead_ms for w in windows),
        eval_ms=nan_median(w.costs.eval_ms for w in windows),
        bare_windows=[asdict(b) for b in bare_rates],
        server_windows=[
            {
                **asdict(w.rate),
                "train_share": w.rate.train_share,
                "web_cpu": w.web_cpu,
                "worker_cpu": w.worker_cpu,
                **{f"costs_{k}": v for k, v in asdict(w.costs).items()},
            }
            for w in windows
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="timed server seconds per model, all windows"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="rows skipped after a start")
    parser.add_argument("--rounds", type=int, default=4, help="server windows per model")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, both sides")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--min-ratio", type=float, default=0.9, help="goal: server/bare")
    parser.add_argument(
        "--goal-basis",
        choices=("train", "clock", "cpu"),
        default="train",
        help="which ratio the goal applies to (train: wall_s; clock: time; cpu: CPU seconds)",
    )
    parser.add_argument(
        "--models", nargs="+", choices=PRESET_NAMES, default=list(PRESET_NAMES), help="presets"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0 or args.threads < 1:
        parser.error("--rounds and --threads must be >= 1, --seconds > 0, --warmup >= 0")

    torch.set_num_threads(args.threads)
    eval_hz = Settings().eval_hz  # the server's default, or LAYERLAB_EVAL_HZ as it will see it
    device = resolve_device(args.device)
    load_before = load_average()
    print(f"torch {torch.__version__}, device {device}, torch threads {args.threads} (both sides)")
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name(device)}")
    print(f"load average before: {load_before}")
    print(
        f"{args.rounds} server window(s) of {args.seconds / args.rounds:g} s per model (the first "
        f"after {args.warmup:g} s warm-up, then {min(args.warmup, RESUME_WARMUP):g} s after each "
        f"resume); a bare window before and after each, chunks of {BARE_CHUNK} steps\n"
    )

    results: list[Result] = []
    with ServerProcess(device=args.device, threads=args.threads) as srv:
        print(f"server {srv.base_url}: {srv.health}")
        for preset in args.models:
            results.append(
                bench_model(
                    srv,
                    preset,
                    device,
                    server_device=args.device,
                    warmup=args.warmup,
                    seconds=args.seconds,
                    rounds=args.rounds,
                )
            )
    load_after = load_average()

    def goal_value(r: Result) -> float:
        return {"train": r.ratio, "clock": r.clock_ratio, "cpu": r.cpu_ratio}[args.goal_basis]

    def ok(r: Result) -> bool:
        value = goal_value(r)
        return math.isfinite(value) and value >= args.min_ratio

    print(
        f"\n{'model':<11} {'bare steps/s':>12} {'server steps/s':>14} {'ratio':>6} "
        f"{'server clock':>12} {'clock ratio':>11} {'cpu ratio':>9}"
    )
    for r in results:
        flag = "" if ok(r) else f"  < {args.min_ratio:g} ({args.goal_basis})"
        print(
            f"{r.model:<11} {r.bare_steps_per_s:>12.0f} {r.server_steps_per_s:>14.0f} "
            f"{r.ratio:>6.3f} {r.server_clock_steps_per_s:>12.0f} {r.clock_ratio:>11.3f} "
            f"{r.cpu_ratio:>9.3f}{flag}"
        )
    print(
        "server steps/s: on the rows' wall_s (time in the Trainer's step loop; the goal's basis "
        "by default);\nserver clock: on the rows' time (evaluations, rows, queue included); "
        "ratios: median over rounds of server / mean of the bare windows either side;\n"
        "cpu ratio: the same with steps per CPU second (the worker's, all it does, against this "
        "process's), immune to waiting for a busy core"
    )
    print(
        f"\nwhere the worker's time goes (medians)\n{'model':<11} {'train share':>11} "
        f"{'slice ms':>8} {'overhead ms/slice':>17} {'eval ms':>7} {'eval share':>10} "
        f"{'rows/s':>6} {'worker cpu':>10} {'web cpu':>7}"
    )
    for r in results:
        share = r.eval_ms / 1000 * min(eval_hz, r.rows_per_s)
        print(
            f"{r.model:<11} {r.train_share:>11.3f} {r.slice_ms:>8.1f} {r.overhead_ms:>17.2f} "
            f"{r.eval_ms:>7.1f} {share:>10.3f} {r.rows_per_s:>6.1f} {r.worker_cpu:>10.2f} "
            f"{r.web_cpu:>7.2f}"
        )
    print(
        "train share: wall_s / clock between rows; overhead: clock between rows beyond "
        "training, rows without an evaluation;\neval: the extra of rows with one; eval share: "
        f"eval ms x {eval_hz:g}/s (LAYERLAB_EVAL_HZ); cpu: CPU seconds per second (1.00 = one "
        "core)"
    )
    print(f"load average after: {load_after}")
    met = all(ok(r) for r in results)
    print(f"goal ({args.goal_basis} ratio >= {args.min_ratio:g}): {'met' if met else 'MISSED'}")

    if args.json is not None:
        report = {
            "torch": torch.__version__,
            "device": str(device),
            "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
            "threads": args.threads,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "min_ratio": args.min_ratio,
            "goal_basis": args.goal_basis,
            "goal_met": met,
            "load_average": {"before": load_before, "after": load_after},
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
