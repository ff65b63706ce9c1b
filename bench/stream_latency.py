"""Latency from a training step's end in the worker to its metrics row at a websocket viewer.

Starts `layerlab serve` as a subprocess (127.0.0.1, a free port, a temporary data directory),
creates and starts a run of the `spiral-mlp` preset (max_steps raised so it never finishes),
and after `--warmup` seconds measures, one phase after another, for `--seconds` each:

1. no viewer: the run's training speed alone;
2. 1 viewer subscribed to `metrics` at max_hz 60 (the stream's cap): the latency proper;
3. 1 viewer at the default 10 Hz: rows that arrive between two sends wait for the next one,
   so up to 100 ms of this figure is the rate cap batching rows, not delivery;
4. `--viewers` (50) viewers of the same run at 60 Hz, then at 10 Hz (one process, one asyncio
   loop, one websocket connection each).

For every metrics frame received and every row in it, latency = arrival time (time.time(),
taken as the frame's recv returns) - row["time"] (time.time() in the worker as the row's
last step ended; same machine, same clock). The table shows p50/p95/max over every row of
every viewer, the "newest" p50/p95 (only each frame's newest row: how stale the freshest
number on screen is), and the run's training steps/s in each phase (from the stored rows,
GET /api/runs/{id}/metrics, so the same measure with and without viewers: on wall_s, and on
the clock), with the CPU used by the web process, the worker and this client meanwhile
(Linux /proc; 1.00 = one core): on a small machine the viewers' cost comes out of training.

Goal: p95 < `--goal-ms` (50 ms) for 1 viewer at 60 Hz on loopback; exit 1 if missed.
With many viewers in one client process, part of the figure is the client's own loop
handling 50 connections in turn.

Run: `.venv/bin/python bench/stream_latency.py [--seconds 8] [--warmup 2] [--viewers 50]
[--threads 1] [--device auto] [--json results.json] [--goal-ms 50]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ (serverbench)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import argparse
import asyncio
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from serverbench import ServerProcess, load_average, preset_run, rate_from_rows, summarize
from websockets.asyncio.client import connect

PRESET = "spiral-mlp"


@dataclass
class Phase:
    """One phase's numbers: latencies in ms over all rows, and the run's speed meanwhile."""

    name: str
    viewers: int
    max_hz: float | None
    rows: dict[str, float] = field(default_factory=dict)  # every row
    newest: dict[str, float] = field(default_factory=dict)  # each frame's newest row
    frames: int = 0
    connected: int = 0
    steps_per_s: float = math.nan
    clock_steps_per_s: float = math.nan
    train_share: float = math.nan
    web_cpu: float = math.nan  # CPU seconds per second of the web process (1.0 = one core)
    worker_cpu: float = math.nan  # same, the worker process
    client_cpu: float = math.nan  # same, this process (the viewers)


@dataclass
class Sink:
    """What the viewers of a phase collected."""

    rows: list[float] = field(default_factory=list)
    newest: list[float] = field(default_factory=list)
    frames: int = 0
    connected: int = 0
    errors: list[str] = field(default_factory=list)


async def watch_all(
    url: str, viewers: int, max_hz: float, settle: float, seconds: float
) -> tuple[Sink, float, float]:
    """`viewers` viewers at once; recording starts `settle` s after all are connected."""
    sink = Sink()
    opened = [asyncio.Event() for _ in range(viewers)]
    far = time.time() + 3600  # replaced below, once everyone is connected
    window = {"start": far, "stop": far + seconds}

    # start/stop are read through `window`, so they can be set once every connection is open.
    tasks = [asyncio.create_task(watch(url, max_hz, window, sink, e)) for e in opened]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), timeout=120)
    window["start"] = time.time() + settle
    window["stop"] = window["start"] + seconds
    await asyncio.gather(*tasks)
    return sink, window["start"], window["stop"]


async def watch(
    url: str, max_hz: float, window: dict[str, float], sink: Sink, opened: asyncio.Event
) -> None:
    """One viewer: subscribe to metrics, record each row's latency inside window[start, stop]."""
    try:
        async with connect(url, open_timeout=60, max_size=32 * 1024 * 1024) as ws:
            message = {"type": "subscribe", "topics": ["metrics"], "max_hz": max_hz}
            await ws.send(json.dumps(message))
            sink.connected += 1
            opened.set()
            while (remaining := window["stop"] - time.time()) > 0:
                try:
                    data = await asyncio.wait_for(ws.recv(), timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
                now = time.time()
                if isinstance(data, bytes) or now < window["start"]:
                    continue
                frame: dict[str, Any] = json.loads(data)
                if frame.get("type") != "metrics" or not frame["rows"]:
                    continue
                sink.frames += 1
                times = [row["time"] for row in frame["rows"] if row.get("time") is not None]
                sink.rows.extend((now - t) * 1000 for t in times)
                if times:
                    sink.newest.append((now - max(times)) * 1000)
    except Exception as exc:  # counted and shown; one failed viewer must not end the phase
        sink.errors.append(repr(exc))
        opened.set()


def run_phase(
    srv: ServerProcess,
    run_id: str,
    name: str,
    *,
    viewers: int,
    max_hz: float | None,
    seconds: float,
    settle: float,
) -> Phase:
    """One phase: the viewers (or none) for `seconds`, and the run's speed over the window."""
    phase = Phase(name, viewers, max_hz)
    cpu0, client0, t0 = srv.cpu_seconds(), time.process_time(), time.perf_counter()
    if viewers == 0 or max_hz is None:
        time.sleep(settle)
        start = time.time()
        time.sleep(seconds)
        stop = time.time()
    else:
        sink, start, stop = asyncio.run(
            watch_all(srv.ws_url(run_id), viewers, max_hz, settle, seconds)
        )
        if sink.errors:
            print(f"  {name}: {len(sink.errors)} viewer(s) failed, e.g. {sink.errors[0]}")
        phase.rows = summarize(sink.rows)
        phase.newest = summarize(sink.newest)
        phase.frames = sink.frames
        phase.connected = sink.connected
    cpu1, client1, t1 = srv.cpu_seconds(), time.process_time(), time.perf_counter()
    span = t1 - t0  # includes connecting and `settle`: CPU shares, not exact per-window figures
    phase.web_cpu = (cpu1["web"] - cpu0["web"]) / span
    phase.worker_cpu = (cpu1["worker"] - cpu0["worker"]) / span
    phase.client_cpu = (client1 - client0) / span
    # The stored rows, not the viewers' copies: the same measure with and without viewers.
    rows = [r for r in srv.client.metrics(run_id) if r.get("time") is not None]
    rate = rate_from_rows(rows, start, stop)
    phase.steps_per_s = rate.steps_per_s
    phase.clock_steps_per_s = rate.clock_steps_per_s
    phase.train_share = rate.train_share
    return phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before the first")
    parser.add_argument("--viewers", type=int, default=50, help="viewers in the crowd phases")
    parser.add_argument("--threads", type=int, default=1, help="the worker's torch threads")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--goal-ms", type=float, default=50.0, help="goal: p95, 1 viewer, 60 Hz")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.viewers < 1 or args.threads < 1:
        parser.error("--seconds > 0, --warmup >= 0, --viewers and --threads >= 1")

    load_before = load_average()
    print(f"load average before: {load_before}")
    settle = 0.5
    phases: list[Phase] = []
    with ServerProcess(device=args.device, threads=args.threads) as srv:
        print(f"server {srv.base_url}: {srv.health}")
        client = srv.client
        run_id = client.create_run(preset_run(PRESET, device=args.device, name="latency"))["id"]
        client.control(run_id, "start")
        client.wait_for_status(run_id, ("running",), timeout=60)
        time.sleep(args.warmup)
        plan: list[tuple[str, int, float | None]] = [
            ("0 viewers", 0, None),
            ("1 viewer @60Hz", 1, 60.0),
            ("1 viewer @10Hz", 1, 10.0),
            (f"{args.viewers} viewers @60Hz", args.viewers, 60.0),
            (f"{args.viewers} viewers @10Hz", args.viewers, 10.0),
        ]
        for name, viewers, hz in plan:
            phases.append(
                run_phase(
                    srv,
                    run_id,
                    name,
                    viewers=viewers,
                    max_hz=hz,
                    seconds=args.seconds,
                    settle=settle,
                )
            )
            print(f"  done: {name}")
        client.control(run_id, "stop")
    load_after = load_average()

    print(
        f"\n{PRESET}, {args.seconds:g} s per phase; latency in ms from the row's `time` "
        "(worker, step end) to the frame's arrival"
    )
    print(
        f"{'phase':<18} {'frames':>7} {'rows':>6} {'p50':>7} {'p95':>7} {'max':>7} "
        f"{'newest p50':>10} {'newest p95':>10} {'steps/s':>8} {'clock steps/s':>13} "
        f"{'steps/cpu-s':>11} {'cpu web/worker/client':>21}"
    )
    for p in phases:
        if p.viewers == 0:
            lat = f"{'-':>7} {'-':>7} {'-':>7} {'-':>10} {'-':>10}"
            counts = f"{'-':>7} {'-':>6}"
        else:
            lat = (
                f"{p.rows['p50']:>7.1f} {p.rows['p95']:>7.1f} {p.rows['max']:>7.1f} "
                f"{p.newest['p50']:>10.1f} {p.newest['p95']:>10.1f}"
            )
            counts = f"{p.frames:>7} {int(p.rows['n']):>6}"
        cpu = f"{p.web_cpu:.2f}/{p.worker_cpu:.2f}/{p.client_cpu:.2f}"
        per_cpu = p.clock_steps_per_s / p.worker_cpu if p.worker_cpu > 0 else math.nan
        print(
            f"{p.name:<18} {counts} {lat} {p.steps_per_s:>8.0f} {p.clock_steps_per_s:>13.0f} "
            f"{per_cpu:>11.0f} {cpu:>21}"
        )
    print(
        "\nAt 10 Hz a row waits in the viewer's queue for the next send (up to 100 ms), so "
        "that figure is the rate cap batching rows, not delivery; 60 Hz is the stream's cap.\n"
        "newest: each frame's newest row only; steps/s from the stored rows (wall_s, and "
        "clock); steps/cpu-s: clock steps/s over the worker's cores;\ncpu: CPU seconds per "
        "second of the web process, the worker and this client "
        "(1.00 = one core; the machine has "
        f"{os.cpu_count()})"
    )
    print(f"load average after: {load_after}")
    single = next(p for p in phases if p.viewers == 1 and p.max_hz == 60.0)
    p95 = single.rows.get("p95", math.nan)
    met = math.isfinite(p95) and p95 < args.goal_ms
    print(
        f"goal (1 viewer @60Hz p95 < {args.goal_ms:g} ms): {p95:.1f} ms, "
        f"{'met' if met else 'MISSED'}"
    )

    if args.json is not None:
        report = {
            "preset": PRESET,
            "seconds": args.seconds,
            "threads": args.threads,
            "device": args.device,
            "goal_ms": args.goal_ms,
            "goal_met": met,
            "load_average": {"before": load_before, "after": load_after},
            "phases": [asdict(p) for p in phases],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
