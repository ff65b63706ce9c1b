"""Many runs at once: does every run progress, and how fast does the API answer meanwhile?

Starts `layerlab serve` as a subprocess (127.0.0.1, a free port, a temporary data directory),
creates and starts `--runs` (16) runs of the `spiral-mlp` preset (or `--preset digits-cnn`;
max_steps raised so they never finish; the server allows 32 active runs by default), waits
until all are running, and for `--seconds` (10) takes turns, paced at `--rps` (40) requests
per second in all, over:

- GET  /api/runs
- GET  /api/runs/{id}                    (the runs in turn)
- GET  /api/runs/{id}/metrics?since=S    (S = the last step this loop saw of that run)
- POST /api/networks/validate            (the digits-cnn spec with the digits dataset)

each timed from sending the request to reading the whole answer, over one keep-alive HTTP
connection (as a browser would). Then it checks that every run's step grew over the period
(min/median/max steps gained, and the worker's total), reports the CPU the web process and the
worker used, the worker's share of the clock in step loops and how many of its slices
evaluated (from the stored rows), and stops all runs.

Goal: p99 < `--goal-ms` (100 ms) over all requests, and every run progressed; exit 1 otherwise.

Run: `.venv/bin/python bench/concurrency.py [--seconds 10] [--runs 16] [--rps 40]
[--preset spiral-mlp] [--threads 1] [--device auto] [--json results.json] [--goal-ms 100]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ (serverbench)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import argparse
import http.client
import json
import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from serverbench import Http, ServerProcess, load_average, preset_run, summarize, wait_all

from models.presets import PRESETS

PRESETS_RUN = ("spiral-mlp", "digits-cnn")
ENDPOINTS = (
    "GET /api/runs",
    "GET /api/runs/{id}",
    "GET /api/runs/{id}/metrics",
    "POST /api/networks/validate",
)


@dataclass
class Report:
    """Latencies in ms per endpoint, errors, and how the runs progressed."""

    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    progress: dict[str, int] = field(default_factory=dict)  # run id -> steps gained
    seconds: float = 0.0
    train_share: float = math.nan  # sum of wall_s growth / (runs x clock): time in step loops
    eval_fraction: float = math.nan  # rows (worker slices) that carried an evaluation
    web_cpu: float = math.nan  # CPU seconds per second of the web process (1.0 = one core)
    worker_cpu: float = math.nan  # same, the worker process


def api_loop(conn: Http, run_ids: list[str], seconds: float, rps: float) -> Report:
    """Requests over the endpoints in turn, paced at `rps`, for `seconds`; latencies by endpoint."""
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    since = dict.fromkeys(run_ids, 0)
    validate_body = {
        "network": PRESETS["digits-cnn"]["run"]["network"],
        "dataset": {"name": "digits", "params": {}},
    }
    interval = 1.0 / rps
    start = time.perf_counter()
    next_at = start
    i = 0
    while time.perf_counter() - start < seconds:
        endpoint = ENDPOINTS[i % len(ENDPOINTS)]
        run_id = run_ids[(i // len(ENDPOINTS)) % len(run_ids)]
        i += 1
        if endpoint == "GET /api/runs":
            method, path, body = "GET", "/api/runs", None
        elif endpoint == "GET /api/runs/{id}":
            method, path, body = "GET", f"/api/runs/{run_id}", None
        elif endpoint == "GET /api/runs/{id}/metrics":
            method, path, body = "GET", f"/api/runs/{run_id}/metrics?since={since[run_id]}", None
        else:
            method, path, body = "POST", "/api/networks/validate", validate_body
        t0 = time.perf_counter()
        try:
            status, answer = conn.call(method, path, body)
        except (http.client.HTTPException, OSError):
            errors[endpoint] += 1
            status, answer = 0, None
        elapsed = time.perf_counter() - t0
        if status == 200:
            times[endpoint].append(elapsed * 1000)
            if endpoint == "GET /api/runs/{id}/metrics" and answer:
                since[run_id] = max(since[run_id], int(answer[-1]["step"]))
            if endpoint == "POST /api/networks/validate" and not answer.get("valid"):
                errors[endpoint] += 1
        elif status:
            errors[endpoint] += 1
        next_at = max(next_at + interval, time.perf_counter())
        time.sleep(max(0.0, next_at - time.perf_counter()))
    report = Report(seconds=time.perf_counter() - start)
    everything = [t for values in times.values() for t in values]
    for endpoint in ENDPOINTS:
        report.latency[endpoint] = summarize(times[endpoint])
    report.latency["all"] = summarize(everything)
    report.errors = {e: errors[e] for e in ENDPOINTS if errors[e]}
    report.requests = i
    return report


def steps_by_run(srv: ServerProcess, run_ids: list[str]) -> dict[str, int]:
    """Each run's current step (GET /api/runs)."""
    wanted = set(run_ids)
    return {r["id"]: int(r["step"] or 0) for r in srv.client.runs() if r["id"] in wanted}


def worker_shares(
    srv: ServerProcess, run_ids: list[str], start: float, end: float
) -> tuple[float, float]:
    """From the stored rows ending in [start, end]: the worker's share of the clock spent in
    step loops (all runs together: each row's wall_s growth since the run's previous row), and
    the fraction of slices (rows) that evaluated."""
    train = 0.0
    rows_total = evaluated = 0
    for run_id in run_ids:
        rows = sorted(
            (r for r in srv.client.metrics(run_id) if r.get("time") is not None),
            key=lambda r: int(r["step"]),
        )
        previous_wall = 0.0
        for row in rows:
            if start <= row["time"] <= end:
                rows_total += 1
                evaluated += row.get("test_loss") is not None
                train += row["wall_s"] - previous_wall
            previous_wall = row["wall_s"]
    share = train / (end - start) if end > start else math.nan
    return share, evaluated / rows_total if rows_total else math.nan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds after all run")
    parser.add_argument("--runs", type=int, default=16, help="runs training at once")
    parser.add_argument("--preset", choices=PRESETS_RUN, default="spiral-mlp", help="each run")
    parser.add_argument("--rps", type=float, default=40.0, help="API requests per second")
    parser.add_argument("--threads", type=int, default=1, help="the worker's torch threads")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--goal-ms", type=float, default=100.0, help="goal: p99 of all requests")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.runs < 1 or args.rps <= 0 or args.threads < 1:
        parser.error("--seconds and --rps must be > 0, --runs and --threads >= 1")

    load_before = load_average()
    print(f"load average before: {load_before}")
    with ServerProcess(device=args.device, threads=args.threads) as srv:
        print(f"server {srv.base_url}: {srv.health}")
        client = srv.client
        run_ids = [
            client.create_run(preset_run(args.preset, device=args.device, name=f"conc-{i:02d}"))[
                "id"
            ]
            for i in range(args.runs)
        ]
        created = time.perf_counter()
        for run_id in run_ids:
            client.control(run_id, "start")
        wait_all(client, run_ids, ("running",), timeout=120)
        print(f"{args.runs} runs running after {time.perf_counter() - created:.2f} s")
        time.sleep(args.warmup)
        conn = Http(srv.port)
        try:
            before = steps_by_run(srv, run_ids)
            cpu0, t0 = srv.cpu_seconds(), time.perf_counter()
            report = api_loop(conn, run_ids, args.seconds, args.rps)
            cpu1, t1 = srv.cpu_seconds(), time.perf_counter()
            after = steps_by_run(srv, run_ids)
            window_end = time.time()
            window_start = window_end - report.seconds
        finally:
            conn.close()
        report.progress = {i: after.get(i, 0) - before.get(i, 0) for i in run_ids}
        report.web_cpu = (cpu1["web"] - cpu0["web"]) / (t1 - t0)
        report.train_share, report.eval_fraction = worker_shares(
            srv, run_ids, window_start, window_end
        )
        report.worker_cpu = (cpu1["worker"] - cpu0["worker"]) / (t1 - t0)
        stopping = time.perf_counter()
        for run_id in run_ids:
            client.control(run_id, "stop")
        wait_all(client, run_ids, ("stopped",), timeout=120)
        print(f"{args.runs} runs stopped after {time.perf_counter() - stopping:.2f} s")
    load_after = load_average()

    gains = sorted(report.progress.values())
    all_progressed = len(gains) == args.runs and gains[0] > 0
    print(
        f"\n{args.runs} x {args.preset} for {report.seconds:.1f} s; {report.requests} requests "
        f"({report.requests / report.seconds:.0f}/s) over one keep-alive connection"
    )
    print(
        f"steps gained per run: min {gains[0]}, median {statistics.median(gains):.0f}, "
        f"max {gains[-1]}; all runs {sum(gains)} "
        f"({sum(gains) / report.seconds:.0f} steps/s in total); every run progressed: "
        f"{'yes' if all_progressed else 'NO'}"
    )
    print(
        f"CPU meanwhile (1.00 = one core): web process {report.web_cpu:.2f}, "
        f"worker {report.worker_cpu:.2f}; the worker spent {report.train_share:.0%} of the clock "
        f"in step loops; {report.eval_fraction:.0%} of its slices evaluated"
    )
    print(
        f"\n{'endpoint':<30} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'errors':>6}"
    )
    for name, s in report.latency.items():
        errors = sum(report.errors.values()) if name == "all" else report.errors.get(name, 0)
        print(
            f"{name:<30} {int(s['n']):>5} {s['p50']:>7.1f} {s['p95']:>7.1f} {s['p99']:>7.1f} "
            f"{s['max']:>7.1f} {errors:>6}"
        )
    print(f"load average after: {load_after}")
    p99 = report.latency["all"]["p99"]
    met = math.isfinite(p99) and p99 < args.goal_ms and all_progressed and not report.errors
    print(
        f"goal (p99 < {args.goal_ms:g} ms, every run progresses, no errors): "
        f"{'met' if met else 'MISSED'}"
    )

    if args.json is not None:
        out = {
            "preset": args.preset,
            "runs": args.runs,
            "seconds": report.seconds,
            "rps": args.rps,
            "threads": args.threads,
            "device": args.device,
            "goal_ms": args.goal_ms,
            "goal_met": met,
            "load_average": {"before": load_before, "after": load_after},
            "requests": report.requests,
            "latency_ms": report.latency,
            "errors": report.errors,
            "steps_gained": report.progress,
            "cpu": {"web": report.web_cpu, "worker": report.worker_cpu},
            "train_share": report.train_share,
            "eval_fraction": report.eval_fraction,
        }
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
