"""The training worker: one process per device, time-slicing between the runs it holds.

It talks to the server only through two queues of plain dicts (commands in,
events out), so a crash, a CUDA out-of-memory or a long step never blocks or
kills the web process.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.datasets import DatasetError
from models.device import resolve_device
from models.errors import InvalidSpecError
from models.probes.dispatch import ProbeError, run_probe
from models.train import StepResult, Trainer

log = logging.getLogger("layerlab.worker")

PROBE_SHARE = 0.07  # share of the worker's time streamed probes aim at (the ceiling is 10%)

Command = dict[str, Any]
Event = dict[str, Any]


@dataclass(frozen=True)
class WorkerOptions:
    """What the worker needs from the server's settings (picklable)."""

    device: str
    data_dir: str
    slice_s: float = 0.05
    eval_hz: float = 2.0
    checkpoint_s: float = 30.0
    torch_threads: int = 0
    eval_samples: int = 512  # per set; a full pass over thousands of images would eat the slice


@dataclass
class HeldRun:
    """A run the worker holds: its trainer and how it should advance."""

    run_id: str
    trainer: Trainer
    checkpoint: Path
    running: bool = False
    pending: int = 0  # single steps asked for while paused
    step_time: float = 1e-3  # seconds per step, smoothed; sizes the next slice
    last_eval: float = 0.0
    last_checkpoint: float = field(default_factory=time.monotonic)
    watch: dict[str, float] = field(default_factory=dict)  # probe topic -> rate asked, Hz
    options: dict[str, Any] = field(default_factory=dict)  # probe options (sample index, ...)
    due: dict[str, float] = field(default_factory=dict)  # probe topic -> next monotonic time
    sent: dict[str, int] = field(default_factory=dict)  # probe topic -> step of its last frame

    @property
    def active(self) -> bool:
        """Whether this run wants worker time now."""
        return self.running or self.pending > 0


def checkpoint_name(run_id: str) -> str:
    """A run's checkpoint file, relative to the data directory."""
    return f"checkpoints/{run_id}.safetensors"


def readable_error(exc: BaseException) -> str:
    """An exception in words a student understands."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return (
            "the GPU ran out of memory for this run; lower the batch size or make the "
            "network smaller (fewer channels or units), then start it again."
        )
    if isinstance(exc, InvalidSpecError):
        return "; ".join(f"{e.node or 'network'}: {e.message}" for e in exc.errors)
    if isinstance(exc, DatasetError):
        return f"dataset {exc.field}: {exc.message}"
    return f"training stopped on an error: {exc}"


class Worker:
    """The worker's state and loop (runs inside the worker process)."""

    def __init__(
        self, options: WorkerOptions, commands: Queue[Command], events: Queue[Event]
    ) -> None:
        self.options = options
        self.commands = commands
        self.events = events
        self.device = resolve_device(options.device)
        self.data_dir = Path(options.data_dir)
        self.runs: dict[str, HeldRun] = {}
        self.order: deque[str] = deque()
        self.stopping = False

    def emit(self, event: Event) -> None:
        """Send an event to the server."""
        self.events.put(event)

    def status(self, run: HeldRun | str, status: str, error: str | None = None) -> None:
        """Tell the server a run's new status."""
        run_id = run if isinstance(run, str) else run.run_id
        step = None if isinstance(run, str) else run.trainer.step_count
        self.emit(
            {"ev": "status", "run_id": run_id, "status": status, "error": error, "step": step}
        )

    # --- commands -------------------------------------------------------

    def handle(self, cmd: Command) -> None:
        """Apply one command from the server."""
        op, run_id = cmd["op"], cmd.get("run_id", "")
        if op == "shutdown":
            for held in list(self.runs.values()):
                self.save(held)
            self.stopping = True
            return
        if op == "start":
            self.start(cmd)
            return
        if op == "probe":
            self.probe(cmd)
            return
        run = self.runs.get(run_id)
        if run is None:
            self.emit({"ev": "unknown_run", "run_id": run_id, "op": op})
            return
        if op == "pause":
            run.running, run.pending = False, 0
            self.save(run)
            self.status(run, "paused")
        elif op == "resume":
            run.running = True
            self.status(run, "running")
        elif op == "step":
            run.running = False
            run.pending += int(cmd.get("n", 1))
        elif op == "stop":
            self.save(run)
            self.drop(run_id)
            self.status(run, "stopped")
        elif op == "update":
            try:
                config = run.trainer.update(**cmd["changes"])
            except ValueError as exc:
                self.emit({"ev": "update_failed", "run_id": run_id, "error": str(exc)})
            else:
                self.emit({"ev": "updated", "run_id": run_id, "training": config.model_dump()})
        elif op == "drop":
            self.drop(run_id)
        elif op == "watch":
            run.watch = {str(t): float(hz) for t, hz in cmd["topics"].items()}
            run.options = dict(cmd.get("options") or {})
            run.due = {t: run.due.get(t, 0.0) for t in run.watch}
            run.sent.clear()  # a new viewer gets a frame even of a paused model

    def probe(self, cmd: Command) -> None:
        """Compute one probe on a held run and send it back (or why not)."""
        answer: Event = {
            "ev": "probe_result",
            "request_id": cmd["request_id"],
            "run_id": cmd["run_id"],
        }
        run = self.runs.get(cmd["run_id"])
        if run is None:
            answer["error"] = (
                "the run is not loaded: probes work on a queued, running or paused run"
            )
        else:
            try:
                result = run_probe(run.trainer, cmd["topic"], cmd.get("node"), cmd.get("options"))
            except ProbeError as exc:
                answer["error"] = str(exc)
            else:
                answer["result"] = {"step": run.trainer.step_count, **result.as_json()}
        self.emit(answer)

    def start(self, cmd: Command) -> None:
        """Load a run's trainer (from its checkpoint when resuming) and set it going."""
        run_id = cmd["run_id"]
        if run_id in self.runs:
            self.runs[run_id].running = not cmd.get("paused", False)
            return
        config = cmd["config"]
        try:
            trainer = Trainer(
                config["network"],
                config["dataset"]["name"],
                config["training"],
                dataset_params=config["dataset"].get("params") or {},
                data_dir=self.data_dir,
                device=self.device,
                eval_samples=self.options.eval_samples,
            )
            path = self.data_dir / checkpoint_name(run_id)
            if cmd.get("resume") and path.exists():
                load_checkpoint(trainer, path)
        except Exception as exc:  # any failure to set up fails this run only
            log.warning("run %s failed to start: %s", run_id, traceback.format_exc())
            self.status(run_id, "failed", readable_error(exc))
            return
        run = HeldRun(run_id, trainer, path, running=not cmd.get("paused", False))
        run.watch = {str(t): float(hz) for t, hz in (cmd.get("watch") or {}).items()}
        run.pending = int(cmd.get("steps", 0))
        self.runs[run_id] = run
        self.order.append(run_id)
        self.status(run, "running" if run.running else "paused")

    def drop(self, run_id: str) -> None:
        """Forget a run and free its memory."""
        self.runs.pop(run_id, None)
        if run_id in self.order:
            self.order.remove(run_id)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def save(self, run: HeldRun) -> None:
        """Checkpoint a run and tell the server where."""
        if run.trainer.diverged is not None:
            return  # NaN weights are not worth resuming from
        save_checkpoint(run.trainer, run.checkpoint)
        run.last_checkpoint = time.monotonic()
        self.emit(
            {
                "ev": "checkpoint",
                "run_id": run.run_id,
                "checkpoint": checkpoint_name(run.run_id),
                "step": run.trainer.step_count,
            }
        )

    # --- training -------------------------------------------------------

    def stream_probes(self, run: HeldRun, *, idle: bool = False) -> None:
        """Compute the watched probes that are due, keeping probe time near PROBE_SHARE.

        A probe costing c seconds is next due after max(1/hz, c * k / PROBE_SHARE),
        k the number of watched topics over all runs: together they then take at most
        about PROBE_SHARE of the worker's time. A slowed topic says so in its frame.
        """
        now = time.monotonic()
        watched = sum(len(r.watch) for r in self.runs.values())
        for topic, hz in list(run.watch.items()):
            if now < run.due.get(topic, 0.0):
                continue
            if idle and run.sent.get(topic) == run.trainer.step_count:
                continue  # nothing changed since the last frame
            started = time.perf_counter()
            try:
                result = run_probe(run.trainer, topic, None, run.options)
            except ProbeError as exc:
                run.watch.pop(topic, None)
                self.emit(
                    {"ev": "probe_error", "run_id": run.run_id, "topic": topic, "error": str(exc)}
                )
                continue
            cost = time.perf_counter() - started
            interval = max(1.0 / hz, cost * watched / PROBE_SHARE)
            run.due[topic] = now + interval
            meta = {
                **result.meta,
                "requested_hz": hz,
                "rate_hz": 1.0 / interval,
                "throttled": interval > 1.0 / hz * 1.01,
                "probe_ms": cost * 1000,
            }
            run.sent[topic] = run.trainer.step_count
            arrays = {name: a.numpy() for name, a in result.arrays.items()}
            self.emit(
                {
                    "ev": "probe_frame",
                    "run_id": run.run_id,
                    "topic": topic,
                    "node": result.node,
                    "step": run.trainer.step_count,
                    "meta": meta,
                    "arrays": arrays,
                }
            )

    def next_run(self) -> HeldRun | None:
        """The next active run, round robin."""
        for _ in range(len(self.order)):
            run_id = self.order[0]
            self.order.rotate(-1)
            run = self.runs[run_id]
            if run.active:
                return run
        return None

    def slice(self, run: HeldRun) -> None:
        """Advance one run for about one time slice and report a metrics row."""
        trainer = run.trainer
        n = max(1, int(self.options.slice_s / max(run.step_time, 1e-6)))
        if not run.running:
            n = min(n, run.pending)
        n = min(n, trainer.config.max_steps - trainer.step_count)
        finishing = trainer.step_count + n >= trainer.config.max_steps
        # Timed by the run's own training time, not the clock: with many runs sharing the
        # worker, each run's slices come seconds apart and would otherwise all evaluate.
        evaluate = (
            finishing
            or not run.running
            or trainer.wall_s - run.last_eval >= 1.0 / self.options.eval_hz
        )
        try:
            result: StepResult = trainer.step(n, evaluate=evaluate)
        except Exception as exc:  # OOM or a bug: this run fails, the others go on
            log.warning("run %s failed: %s", run.run_id, traceback.format_exc())
            self.drop(run.run_id)
            self.status(run, "failed", readable_error(exc))
            return
        if evaluate:
            run.last_eval = trainer.wall_s
        speed = result.metrics.steps_per_s
        if speed > 0 and math.isfinite(speed):
            run.step_time = 0.7 * run.step_time + 0.3 / speed
        self.emit({"ev": "metrics", "run_id": run.run_id, "rows": [result.metrics.model_dump()]})
        if result.diverged is not None:
            self.drop(run.run_id)
            self.status(run, "failed", result.diverged.message)
            return
        if result.done:
            self.save(run)
            self.drop(run.run_id)
            self.status(run, "completed")
            return
        if not run.running:
            run.pending = max(0, run.pending - n)
            if run.pending == 0:
                self.status(run, "paused")
        if run.watch:
            self.stream_probes(run)
        if time.monotonic() - run.last_checkpoint >= self.options.checkpoint_s:
            self.save(run)

    def loop(self) -> None:
        """Serve commands and train until told to shut down (or orphaned)."""
        parent = os.getppid()
        self.emit({"ev": "ready", "pid": os.getpid(), "device": str(self.device)})
        while not self.stopping:
            busy = any(run.active for run in self.runs.values())
            try:
                # Idle: wait for work, waking now and then to notice a dead server.
                cmd = self.commands.get_nowait() if busy else self.commands.get(timeout=1.0)
            except queue.Empty:
                cmd = None
            if cmd is not None:
                self.handle(cmd)
                continue  # drain every waiting command before training again
            if os.getppid() != parent:
                break
            run = self.next_run()
            if run is not None:
                self.slice(run)
                continue
            for held in list(self.runs.values()):
                if held.watch:  # paused runs: frames for new viewers and after single steps
                    self.stream_probes(held, idle=True)
        self.emit({"ev": "bye"})


def worker_main(options: WorkerOptions, commands: Queue[Command], events: Queue[Event]) -> None:
    """Entry point of the worker process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    # Ctrl-C (or a service manager) signals the whole process group; the server then asks
    # this process to checkpoint and exit, which a signal arriving here first would prevent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threads = options.torch_threads or max(1, min(4, (os.cpu_count() or 2) // 2))
    torch.set_num_threads(threads)
    # The first optimizer imports much of torch (seconds); pay that before saying ready.
    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
    Worker(options, commands, events).loop()
