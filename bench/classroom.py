"""A class on one server: do forty students' runs all progress, fairly, with the API quick?

Starts `layerlab serve` as a subprocess (127.0.0.1, a free port, a temporary data directory).
A teacher creates a class; `--students` (40) students join it by its code, each creates and
starts one run of the `spiral-mlp` lesson (or `--preset digits-cnn`) with their own token,
and each watches it over a websocket (`metrics`, with `?token=`). Then, for `--seconds` (120)
after a `--warmup` (20 s), two clients load the API as the class's pages do:

- the teacher spotlights the first student's run (for the projector), and its page reads
  the grid, GET /api/classes/{id}/grid, `--grid-hz` (4) a second;
- the students' pages read the class state, GET /api/classes/{id}/state, every 1.5 s each,
  and their own run, GET /api/runs/{id}, every 3 s each (each with its own token);

each request timed from sending it to reading the whole answer, over one keep-alive
connection per client. The web process's resident memory is read every second.

Reported: runs, viewers and the frames they got, aggregate steps/s, each student's steps over
the measured period (min, median, max and the max/min spread), p50/p99 per endpoint and over
all, RSS at the end of the warm-up and its range after it.

Goals (exit 1 when one is missed): every run progressed and every viewer got frames; steps per
student within `--spread` (2x) of each other (the spotlit run aside: it must beat the median);
RSS after the warm-up within 10% of its value at the end of the warm-up; p99 over all requests
< `--goal-ms` (100 ms).

Run: `.venv/bin/python bench/classroom.py [--students 40] [--seconds 120] [--warmup 20]
[--preset spiral-mlp] [--grid-hz 4] [--json results.json]`.
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
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from serverbench import Http, MetricsViewer, ServerProcess, load_average, preset_run, summarize

STATE_EVERY_S = 1.5  # how often a student's page reads the class state
RUN_EVERY_S = 3.0  # and its own run


@dataclass
class Student:
    """A student: their token, their run and the viewer of its stream."""

    name: str
    token: str
    run_id: str
    viewer: MetricsViewer | None = None


@dataclass
class Timings:
    """Request latencies (ms) per endpoint, and failed requests, of one client."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc), 0 where unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def timed(conn: Http, timings: Timings, endpoint: str, method: str, path: str) -> Any:
    """One request, its latency kept under `endpoint`; None when it failed."""
    t0 = time.perf_counter()
    try:
        status, answer = conn.call(method, path)
    except (http.client.HTTPException, OSError):
        timings.errors[endpoint] += 1
        return None
    elapsed_ms = (time.perf_counter() - t0) * 1000
    if status != 200:
        timings.errors[endpoint] += 1
        return None
    timings.ms[endpoint].append(elapsed_ms)
    return answer


def teacher_loop(
    conn: Http, class_id: str, *, hz: float, until: float, out: Timings, last: list[Any]
) -> None:
    """The teacher's page: the grid, `hz` times a second, until the clock passes `until`."""
    next_at = time.perf_counter()
    while time.perf_counter() < until:
        grid = timed(conn, out, "GET grid", "GET", f"/api/classes/{class_id}/grid")
        if grid is not None:
            last[:] = [grid]
        next_at += 1.0 / hz
        time.sleep(max(0.0, next_at - time.perf_counter()))


def students_loop(
    port: int, class_id: str, students: list[Student], until: float, out: Timings
) -> None:
    """The students' pages: each reads the class state and their own run, staggered."""
    conns = {s.name: Http(port, s.token) for s in students}
    start = time.perf_counter()
    # Each page polls on its own schedule, offset so that the class does not ask at once.
    due: list[tuple[float, int, str]] = []
    for i in range(len(students)):
        due.append((start + STATE_EVERY_S * i / len(students), i, "state"))
        due.append((start + RUN_EVERY_S * i / len(students), i, "run"))
    try:
        while True:
            due.sort()
            at, i, what = due.pop(0)
            if at > until:
                return
            time.sleep(max(0.0, at - time.perf_counter()))
            student = students[i]
            conn = conns[student.name]
            if what == "state":
                timed(conn, out, "GET state", "GET", f"/api/classes/{class_id}/state")
                due.append((at + STATE_EVERY_S, i, what))
            else:
                timed(conn, out, "GET run", "GET", f"/api/runs/{student.run_id}")
                due.append((at + RUN_EVERY_S, i, what))
    finally:
        for conn in conns.values():
            conn.close()


def steps_of(grid: dict[str, Any]) -> dict[str, int]:
    """Each student's step, by name, as the grid shows it."""
    return {row["name"]: int(row["step"] or 0) for row in grid["students"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--preset", default="spiral-mlp", choices=("spiral-mlp", "digits-cnn"))
    parser.add_argument("--grid-hz", type=float, default=4.0)
    parser.add_argument("--spread", type=float, default=2.0)
    parser.add_argument("--goal-ms", type=float, default=100.0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    env = {"LAYERLAB_LIMIT_MAX_RUNS": str(max(64, args.students + 8))}
    with ServerProcess(device=args.device, env=env) as srv:
        admin = Http(srv.port)
        status, teacher = admin.call("POST", "/api/classes", {"name": "Bench", "teacher": "T"})
        assert status == 201, teacher
        class_id = teacher["class_id"]
        teacher_conn = Http(srv.port, teacher["token"])
        status, pushed = teacher_conn.call(
            "POST", f"/api/classes/{class_id}/push", {"lesson": args.preset}
        )
        assert status == 200, pushed
        students: list[Student] = []
        for i in range(args.students):
            name = f"student {i + 1:02d}"
            status, joined = admin.call(
                "POST", "/api/classes/join", {"code": teacher["code"], "name": name}
            )
            assert status == 201, joined
            mine = Http(srv.port, joined["token"])
            body = preset_run(args.preset, device=args.device, name=name)
            status, run = mine.call("POST", "/api/runs", body)
            assert status == 201, run
            status, started = mine.call("POST", f"/api/runs/{run['id']}/start")
            assert status == 200, started
            mine.close()
            student = Student(name, joined["token"], run["id"])
            student.viewer = MetricsViewer(f"{srv.ws_url(run['id'])}?token={joined['token']}")
            student.viewer.start()
            students.append(student)
        for s in students:
            assert s.viewer is not None
            s.viewer.wait_subscribed()
        # The projector shows the first student's run: it gets its share of the worker.
        spotlit = students[0].name
        status, state = teacher_conn.call("GET", f"/api/classes/{class_id}/state")
        state["spotlight"] = students[0].run_id
        status, _ = teacher_conn.call("PUT", f"/api/classes/{class_id}/state", state)
        assert status == 200

        pid = srv.proc.pid if srv.proc is not None else 0
        rss: list[tuple[float, int]] = []
        grids: list[Any] = []
        teacher_t, students_t = Timings(), Timings()
        begin = time.perf_counter()
        warm_end = begin + args.warmup
        until = warm_end + args.seconds
        threads = [
            threading.Thread(
                target=teacher_loop,
                args=(teacher_conn, class_id),
                kwargs={"hz": args.grid_hz, "until": until, "out": teacher_t, "last": grids},
            ),
            threading.Thread(
                target=students_loop, args=(srv.port, class_id, students, until, students_t)
            ),
        ]
        for thread in threads:
            thread.start()
        at_warm: dict[str, int] | None = None
        warm_clock = math.nan
        while time.perf_counter() < until:
            now = time.perf_counter()
            rss.append((now - begin, rss_bytes(pid)))
            if at_warm is None and now >= warm_end and grids:
                # The measured period starts here: latencies before it are dropped below.
                at_warm, warm_clock = steps_of(grids[0]), now
                for timings in (teacher_t, students_t):
                    timings.ms.clear()
                    timings.errors.clear()
            time.sleep(1.0)
        for thread in threads:
            thread.join()
        status, final_grid = teacher_conn.call("GET", f"/api/classes/{class_id}/grid")
        end_clock = time.perf_counter()
        frames = {}
        for s in students:
            assert s.viewer is not None
            frames[s.name] = s.viewer.frames
            s.viewer.stop()
        teacher_conn.call("POST", f"/api/classes/{class_id}/control", {"action": "stop"})
        teacher_conn.close()
        admin.close()

    at_end = steps_of(final_grid)
    start_steps = at_warm or dict.fromkeys(at_end, 0)
    everyone = {name: at_end[name] - start_steps.get(name, 0) for name in at_end}
    lit = everyone.pop(spotlit)
    gained = everyone  # the fair share is the class's; the spotlit run has a larger one
    measured_s = end_clock - warm_clock if not math.isnan(warm_clock) else args.seconds
    all_ms = [ms for t in (teacher_t, students_t) for values in t.ms.values() for ms in values]
    by_endpoint = {
        endpoint: summarize(values)
        for t in (teacher_t, students_t)
        for endpoint, values in t.ms.items()
    }
    errors = {k: v for t in (teacher_t, students_t) for k, v in t.errors.items()}
    after_warm = [b for t, b in rss if t >= args.warmup]
    rss_warm = after_warm[0] if after_warm else 0
    rss_range = (min(after_warm, default=0), max(after_warm, default=0))
    rss_drift = (rss_range[1] - rss_range[0]) / rss_warm if rss_warm else math.nan
    spread = max(gained.values()) / max(1, min(gained.values()))
    overall = summarize(all_ms)

    print(f"load average before the end: {load_average()}")
    print(
        f"{len(students)} students, {len(students)} runs of {args.preset}, "
        f"{sum(1 for n in frames.values() if n > 0)}/{len(frames)} viewers got frames "
        f"(min {min(frames.values())} frames)"
    )
    print(f"measured {measured_s:.0f} s after a {args.warmup:.0f} s warm-up")
    print(f"aggregate: {(sum(gained.values()) + lit) / measured_s:,.0f} steps/s")
    lit_ratio = lit / max(1.0, statistics.median(gained.values()))
    print(f"spotlit run ({spotlit}): {lit} steps, {lit_ratio:.1f}x the class's median")
    print(
        f"steps per student: min {min(gained.values())}, "
        f"median {statistics.median(gained.values()):.0f}, max {max(gained.values())} "
        f"(spread {spread:.2f}x, goal <= {args.spread:g}x)"
    )
    print(f"{'endpoint':<12} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for endpoint, st in sorted(by_endpoint.items()):
        print(f"{endpoint:<12} {st['n']:>6} {st['p50']:>8.1f} {st['p99']:>8.1f} {st['max']:>8.1f}")
    print(
        f"{'all':<12} {overall['n']:>6} {overall['p50']:>8.1f} {overall['p99']:>8.1f} "
        f"{overall['max']:>8.1f}  (goal p99 < {args.goal_ms:g} ms)"
    )
    print(f"errors: {dict(errors) or 'none'}")
    print(
        f"web RSS: {rss_warm / 2**20:.1f} MiB after the warm-up, "
        f"{rss_range[0] / 2**20:.1f}..{rss_range[1] / 2**20:.1f} MiB after it "
        f"({rss_drift:.1%} range, goal <= 10%)"
    )

    failures = []
    if lit_ratio < 1.0:
        failures.append(f"the spotlit run got {lit_ratio:.1f}x the median, not more")
    if min(gained.values()) <= 0:
        failures.append("a run did not progress")
    if min(frames.values()) <= 0:
        failures.append("a viewer got no frames")
    if spread > args.spread:
        failures.append(f"steps per student spread {spread:.2f}x > {args.spread:g}x")
    if not rss_drift <= 0.10:
        failures.append(f"RSS moved {rss_drift:.1%} after the warm-up")
    if not overall["p99"] < args.goal_ms:
        failures.append(f"p99 {overall['p99']:.1f} ms >= {args.goal_ms:g} ms")
    if errors:
        failures.append(f"failed requests: {dict(errors)}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "students": len(students),
                    "preset": args.preset,
                    "seconds": measured_s,
                    "steps_per_s": (sum(gained.values()) + lit) / measured_s,
                    "spotlit": {"name": spotlit, "steps": lit, "x_median": lit_ratio},
                    "gained": gained,
                    "spread": spread,
                    "frames": frames,
                    "latency": by_endpoint,
                    "overall": overall,
                    "rss_warm": rss_warm,
                    "rss_range": rss_range,
                    "failures": failures,
                },
                indent=2,
            )
        )
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
