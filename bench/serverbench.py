"""Shared helpers of the server benchmarks (not a benchmark itself).

- `ServerProcess`: a real `layerlab serve` (`python -m server.cli serve`) on a free port of
  127.0.0.1 with a temporary data directory, started as a subprocess in its own process group,
  waited for on GET /api/health, and always stopped (SIGINT, then SIGKILL to its group).
- `preset_run`: a preset's run body with a large `max_steps` (training that does not end).
- `Http`: one keep-alive HTTP/1.1 connection (with a class token, if given), as a browser keeps.
- `MetricsViewer`: one websocket subscriber on `metrics`, in a thread, keeping every row with
  the time its frame arrived.
- `rate_from_rows`: steps per second from metric rows, on the rows' training time (`wall_s`)
  and on the clock (`time`).
- `BareLoop` and `bare_model`: the training loop a person writes by hand for the two presets
  (`nn.Sequential`, data tensors, per-epoch randperm then slices, Adam, cross-entropy).
- `summarize`: p50/p95/p99/max of a list of numbers.
"""

# Tensor.backward is unannotated in some torch releases and annotated in others (see
# bench/core_step.py), so this file-wide setting instead of a per-line ignore.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts bench/ first on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib
import copy
import http.client
import itertools
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import torch
from core_step import BareLoop as HandLoop  # the one hand-written loop, shared
from torch import nn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from models.analysis import validate_network
from models.datasets import load_dataset
from models.presets import PRESETS
from server.client import LayerLabClient

REPO = Path(__file__).resolve().parent.parent
# The server's default limit (LAYERLAB_LIMIT_MAX_STEPS): large enough never to end in a benchmark.
MAX_STEPS = 1_000_000
BARE_CHUNK = 100  # steps between syncs in the bare loop (a server slice is ~50 ms of steps)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (Linux /proc); NaN where unreadable."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def _children(pid: int) -> list[int]:
    """Direct child processes (Linux /proc); empty where unreadable."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out.extend(int(c) for c in (task / "children").read_text().split())
    return out


# What sending on a keep-alive connection the server has closed meanwhile raises.
STALE = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


class Http:
    """One keep-alive HTTP/1.1 connection to the server; reconnects after an error."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.auth = {} if token is None else {"Authorization": f"Bearer {token}"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {**self.auth, **({"Content-Type": "application/json"} if data else {})}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
            except STALE:
                # A connection left idle past the server's keep-alive was closed by it; the
                # request never reached it, so one more try on a new connection is safe.
                self._reconnect()
                if attempt == 2:
                    raise
            except (http.client.HTTPException, OSError):
                self._reconnect()
                raise
            else:
                return resp.status, json.loads(raw) if raw else None
        raise AssertionError("unreachable")

    def _reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def close(self) -> None:
        self.conn.close()


class ServerProcess:
    """A real LayerLab server in a subprocess; use as a context manager (it always stops)."""

    def __init__(
        self,
        *,
        device: str = "auto",
        threads: int | None = 1,
        env: dict[str, str] | None = None,
        startup_timeout: float = 120.0,
        log_level: str = "warning",
        data_dir: Path | None = None,
    ) -> None:
        self.device = device
        self.kept_dir = data_dir  # a directory that outlives the server (restarts on it)
        self.threads = threads
        self.extra_env = env or {}
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.client = LayerLabClient(self.base_url, timeout=30.0)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.health: dict[str, Any] = {}

    @property
    def data_dir(self) -> Path:
        """The server's temporary data directory."""
        if self.kept_dir is not None:
            return self.kept_dir
        if self._tmp is None:
            raise RuntimeError("the server is not started")
        return Path(self._tmp.name)

    @property
    def log_path(self) -> Path:
        """Where the server's stdout and stderr go."""
        return self.data_dir / "server.log"

    def ws_url(self, run_id: str) -> str:
        """The websocket address of a run's stream."""
        return f"ws://127.0.0.1:{self.port}/api/runs/{run_id}/stream"

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log (for error messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def start(self) -> None:
        """Start `layerlab serve` and wait until GET /api/health answers."""
        if self.kept_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="layerlab-bench-")
        else:
            self.kept_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.extra_env}
        if self.threads is not None:
            env["LAYERLAB_TORCH_THREADS"] = str(self.threads)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        command = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir / "data"),
            "--device",
            self.device,
            "--log-level",
            self.log_level,
        ]
        with self.log_path.open("ab") as log:
            # Its own session, so that the worker it spawns can be killed with it, by group.
            self.proc = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the server exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/api/health", timeout=1.0) as resp:
                    self.health = json.loads(resp.read())
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not answer within {self.startup_timeout:g} s:\n"
                    + self.log_tail()
                )
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server: SIGINT (graceful: the worker checkpoints), then kill its group."""
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGINT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=20)
            # Whatever is left of the group this class started (the server, its worker).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def kill(self) -> None:
        """SIGKILL to the server and its worker at once: a crash, with no chance to save."""
        proc = self.proc
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            self.proc = None

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by the web process ("web") and its children ("worker")."""
        if self.proc is None:
            return {"web": math.nan, "worker": math.nan}
        kids = _children(self.proc.pid)
        worker = sum(_proc_cpu_seconds(pid) for pid in kids) if kids else math.nan
        return {"web": _proc_cpu_seconds(self.proc.pid), "worker": worker}

    def __enter__(self) -> ServerProcess:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def preset_run(
    preset: str, *, max_steps: int = MAX_STEPS, device: str = "auto", name: str | None = None
) -> dict[str, Any]:
    """A preset's run body with `max_steps` raised (a copy; the preset is untouched)."""
    run: dict[str, Any] = copy.deepcopy(PRESETS[preset]["run"])
    run["training"]["max_steps"] = max_steps
    run["device"] = device
    if name is not None:
        run["name"] = name
    return run


def wait_all(
    client: LayerLabClient, run_ids: list[str], statuses: tuple[str, ...], timeout: float = 60.0
) -> None:
    """Poll GET /api/runs until every run is in one of the statuses; TimeoutError otherwise."""
    wanted = set(run_ids)
    deadline = time.monotonic() + timeout
    while True:
        status = {r["id"]: r["status"] for r in client.runs() if r["id"] in wanted}
        if all(status.get(i) in statuses for i in run_ids):
            return
        if time.monotonic() > deadline:
            late = {i: status.get(i) for i in run_ids if status.get(i) not in statuses}
            raise TimeoutError(f"runs not yet {statuses}: {late}")
        time.sleep(0.1)


class MetricsViewer(threading.Thread):
    """One websocket viewer of a run's `metrics`: keeps (arrival time, row) for every row."""

    def __init__(self, url: str, max_hz: float = 60.0) -> None:
        super().__init__(daemon=True, name="metrics-viewer")
        self.url = url
        self.max_hz = max_hz
        self.samples: list[tuple[float, dict[str, Any]]] = []
        self.frames = 0
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._subscribed = threading.Event()

    def run(self) -> None:
        try:
            with connect(self.url, open_timeout=30, max_size=32 * 1024 * 1024) as ws:
                message = {"type": "subscribe", "topics": ["metrics"], "max_hz": self.max_hz}
                ws.send(json.dumps(message))
                self._subscribed.set()
                while not self._stop_event.is_set():
                    try:
                        data = ws.recv(timeout=0.2)
                    except TimeoutError:
                        continue
                    now = time.time()
                    if isinstance(data, bytes):
                        continue
                    frame = json.loads(data)
                    if frame.get("type") != "metrics":
                        continue
                    with self._lock:
                        self.frames += 1
                        self.samples.extend((now, row) for row in frame["rows"])
        except ConnectionClosed:
            pass
        except BaseException as exc:  # reported by stop(); a thread cannot raise to main
            self.error = exc
        finally:
            self._subscribed.set()

    def wait_subscribed(self, timeout: float = 30.0) -> None:
        """Block until the subscribe message is sent (or the thread failed)."""
        self._subscribed.wait(timeout)
        if self.error is not None:
            raise RuntimeError(f"the metrics viewer failed: {self.error!r}")

    def rows(self) -> list[dict[str, Any]]:
        """Every row received so far."""
        with self._lock:
            return [row for _, row in self.samples]

    def stop(self) -> None:
        """Close the connection and end the thread."""
        self._stop_event.set()
        self.join(timeout=10)
        if self.error is not None:
            raise RuntimeError(f"the metrics viewer failed: {self.error!r}")


@dataclass
class Rate:
    """Training speed over a window of metric rows."""

    rows: int
    steps: int
    train_s: float  # growth of wall_s: seconds inside Trainer.step's loop
    clock_s: float  # growth of time: seconds on the clock
    steps_per_s: float  # steps / train_s (the brief's definition)
    clock_steps_per_s: float  # steps / clock_s (what a user sees, evaluations and overhead in)

    @property
    def train_share(self) -> float:
        """Fraction of the clock spent in the training loop."""
        return self.train_s / self.clock_s if self.clock_s > 0 else math.nan


def rate_from_rows(
    rows: list[dict[str, Any]], start: float = -math.inf, end: float = math.inf
) -> Rate:
    """Steps per second from rows whose `time` is within [start, end] (unique steps, in order)."""
    by_step = {int(r["step"]): r for r in rows if r.get("time") is not None}
    window = [by_step[s] for s in sorted(by_step) if start <= by_step[s]["time"] <= end]
    if len(window) < 2:
        return Rate(len(window), 0, 0.0, 0.0, math.nan, math.nan)
    first, last = window[0], window[-1]
    steps = int(last["step"] - first["step"])
    train_s = float(last["wall_s"] - first["wall_s"])
    clock_s = float(last["time"] - first["time"])
    return Rate(
        len(window),
        steps,
        train_s,
        clock_s,
        steps / train_s if train_s > 0 else math.nan,
        steps / clock_s if clock_s > 0 else math.nan,
    )


@dataclass
class SliceCosts:
    """What the worker's rows say about its slices, in ms (medians)."""

    slice_ms: float  # training time per row (one worker slice)
    overhead_ms: float  # clock between rows beyond training, rows without an evaluation
    eval_ms: float  # extra clock of rows with an evaluation (test_loss set)
    eval_rows: int
    plain_rows: int


def slice_costs(
    rows: list[dict[str, Any]], start: float = -math.inf, end: float = math.inf
) -> SliceCosts:
    """Per-slice costs from consecutive rows: clock gap minus training time, split by evaluation.

    A row's `time` is taken after its slice's steps and evaluation, so the clock between two
    rows minus their `wall_s` difference is what the worker did besides training: the row, the
    queue, the loop, and (for rows with test_loss) the evaluation.
    """
    by_step = {int(r["step"]): r for r in rows if r.get("time") is not None}
    window = [by_step[s] for s in sorted(by_step) if start <= by_step[s]["time"] <= end]
    plain: list[float] = []
    evaluated: list[float] = []
    slices: list[float] = []
    for a, b in itertools.pairwise(window):
        train = float(b["wall_s"] - a["wall_s"])
        gap = float(b["time"] - a["time"]) - train
        slices.append(train * 1000)
        (evaluated if b.get("test_loss") is not None else plain).append(gap * 1000)
    med = statistics.median
    overhead = med(plain) if plain else math.nan
    return SliceCosts(
        slice_ms=med(slices) if slices else math.nan,
        overhead_ms=overhead,
        eval_ms=med(evaluated) - overhead if evaluated and plain else math.nan,
        eval_rows=len(evaluated),
        plain_rows=len(plain),
    )


def summarize(values: list[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max (linear interpolation between ranks); NaN when empty."""
    if not values:
        return {"n": 0, "p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    ordered = sorted(values)

    def pct(q: float) -> float:
        pos = (len(ordered) - 1) * q
        lo = math.floor(pos)
        hi = min(lo + 1, len(ordered) - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    return {
        "n": len(ordered),
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": ordered[-1],
    }


# --- the bare loop ------------------------------------------------------------------------


def bare_model(preset: str) -> nn.Sequential:
    """The preset's network written by hand (checked against the spec's parameter count)."""
    if preset == "spiral-mlp":
        model = nn.Sequential(
            nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2)
        )
        shape = [2]
    elif preset == "digits-cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 2 * 2, 10),
        )
        shape = [1, 8, 8]
    else:
        raise ValueError(f"no hand-written model for preset {preset!r}")
    report = validate_network(PRESETS[preset]["run"]["network"], shape)
    params = sum(p.numel() for p in model.parameters())
    if report.total_params != params:
        raise RuntimeError(
            f"{preset}: the hand-written model has {params} parameters, the spec "
            f"{report.total_params}; update bench/serverbench.py"
        )
    return model


@dataclass
class BareRate:
    """The bare loop's speed over a window."""

    steps_per_s: float  # per second of the clock
    steps_per_cpu_s: float  # per CPU second of this process (immune to waiting for a core)


class BareLoop(HandLoop):
    """The hand-written loop of bench/core_step.py, set up from one preset's run body."""

    def __init__(self, preset: str, device: torch.device) -> None:
        run = PRESETS[preset]["run"]
        training = run["training"]
        if training["optimizer"] != "adam":
            raise ValueError(f"{preset}: the bare loop only does Adam")
        torch.manual_seed(training.get("seed", 0))
        data = load_dataset(run["dataset"]["name"], run["dataset"].get("params") or {}).to(device)
        super().__init__(
            bare_model(preset).to(device),
            data.x_train,
            data.y_train,
            batch=int(training["batch_size"]),
            lr=float(training["lr"]),
            seed=0,
        )

    def measure(self, seconds: float, chunk: int = BARE_CHUNK) -> BareRate:
        """Steps per second of the clock and per CPU second, over about `seconds` of chunks."""
        steps, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while (elapsed := time.perf_counter() - start) < seconds:
            self.step(chunk)
            steps += chunk
        cpu = time.process_time() - cpu_start
        return BareRate(
            steps / elapsed if elapsed > 0 else math.nan, steps / cpu if cpu > 0 else math.nan
        )
