"""The run manager: the web process's side of the worker, the store and the hub.

It owns the worker process, sends it commands, reads its events on a thread,
writes what they say to the store and publishes them to viewers. If the worker
dies, the runs it held fail with a reason and a fresh worker starts.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import queue
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from models.device import resolve_device
from models.optim import TrainingConfig
from models.probes.dispatch import TOPICS
from models.train import MetricsRow
from server.hub import Hub
from server.probe_frames import pack_probe
from server.settings import Settings
from server.store import RunRecord, Store
from server.worker import Command, Event, WorkerOptions, worker_main

log = logging.getLogger("layerlab.manager")

ACTIVE = ("queued", "running", "paused")
TERMINAL = ("completed", "stopped", "failed")


class RunStateError(Exception):
    """A control that does not apply to the run's current status (HTTP 409)."""


class ProbeFailedError(Exception):
    """A probe that does not apply to the run (HTTP 422)."""


def _settle(waiter: asyncio.Future[Event], event: Event) -> None:
    """Resolve a waiting probe request, unless it gave up already."""
    if not waiter.done():
        waiter.set_result(event)


class WorkerHandle:
    """One worker process with its two queues and the thread reading its events."""

    def __init__(
        self, options: WorkerOptions, on_event: Callable[[WorkerHandle, Event], None]
    ) -> None:
        ctx = mp.get_context("spawn")
        self.commands: Queue[Command] = ctx.Queue()
        self.events: Queue[Event] = ctx.Queue()
        self.process: BaseProcess = ctx.Process(
            target=worker_main,
            args=(options, self.commands, self.events),
            daemon=True,
            name="layerlab-worker",
        )
        self.on_event = on_event
        self.closing = False
        self.process.start()
        self.reader = threading.Thread(target=self._read, daemon=True, name="layerlab-events")
        self.reader.start()

    def send(self, cmd: Command) -> None:
        """Queue a command for the worker."""
        self.commands.put(cmd)

    def _read(self) -> None:
        """Forward events until the worker ends; report its death."""
        while True:
            try:
                event = self.events.get(timeout=0.25)
            except queue.Empty:
                if not self.process.is_alive():
                    if not self.closing:
                        self.on_event(self, {"ev": "died", "exitcode": self.process.exitcode})
                    return
                continue
            except (EOFError, OSError):
                event = {"ev": "died", "exitcode": self.process.exitcode}
            try:
                self.on_event(self, event)
            except Exception:  # a bad event must not end the reading, or every run would stall
                log.exception("could not apply worker event %s", event.get("ev"))
            if event["ev"] in ("bye", "died"):
                return

    def close(self, timeout: float = 10.0) -> None:
        """Ask the worker to checkpoint and exit; kill it if it will not."""
        self.closing = True
        if self.process.is_alive():
            self.send({"op": "shutdown"})
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(2)
        self.reader.join(timeout)


class RunManager:
    """Starts, controls and watches runs; the REST routers and the stream call it."""

    def __init__(self, settings: Settings, store: Store, hub: Hub) -> None:
        self.settings = settings
        self.store = store
        self.hub = hub
        self.held: set[str] = set()  # runs loaded in the current worker
        self.worker: WorkerHandle | None = None
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.restarts = 0
        self.device = "unknown"
        self.probes: dict[str, asyncio.Future[Event]] = {}  # on-demand probes awaiting the worker
        self.probe_options: dict[str, dict[str, Any]] = {}  # run -> options viewers last set

    # --- lifecycle ------------------------------------------------------

    def start(self) -> None:
        """Recover interrupted runs and start the worker (call from the event loop)."""
        self.loop = asyncio.get_running_loop()
        self.device = str(resolve_device(self.settings.device))
        for record in self.store.interrupted():
            if record.checkpoint is None:
                self.store.update_run(
                    record.id,
                    status="failed",
                    error="interrupted by a server restart before its first checkpoint; "
                    "start a new run to train again",
                    finished_at=datetime.now(UTC),
                )
                continue
            note = (
                f"interrupted by a server restart at step {record.step}; resume to continue "
                "from the last checkpoint"
            )
            self.store.update_run(record.id, status="paused", error=note)
        self._spawn()

    def _options(self) -> WorkerOptions:
        """The worker's view of the settings."""
        s = self.settings
        return WorkerOptions(
            device=s.device,
            data_dir=str(s.data_dir),
            slice_s=s.slice_s,
            eval_hz=s.eval_hz,
            checkpoint_s=s.checkpoint_s,
            torch_threads=s.torch_threads,
        )

    def _spawn(self) -> None:
        """A fresh worker process."""
        self.worker = WorkerHandle(self._options(), self._on_event)

    def close(self) -> None:
        """Checkpoint running runs and stop the worker (server shutdown)."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id (tests kill it)."""
        return None if self.worker is None else self.worker.process.pid

    # --- events from the worker (reader thread) ----------------------------

    def _publish(self, fn: Callable[..., None], *args: Any) -> None:
        """Run a hub publish on the event loop, from any thread."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn, *args)

    def _status_frame(self, record: RunRecord) -> dict[str, Any]:
        """The stream's status frame for a run."""
        return {
            "run_id": record.id,
            "status": record.status,
            "error": record.error,
            "step": record.step,
        }

    def _on_event(self, source: WorkerHandle, event: Event) -> None:
        """Apply one worker event to the store and the viewers."""
        kind = event["ev"]
        if kind == "ready":
            self.device = event["device"]
            return
        if kind == "died":
            self._worker_died(source, event.get("exitcode"))
            return
        run_id = event.get("run_id", "")
        if kind == "metrics":
            rows = event["rows"]
            try:
                self.store.append_metrics(run_id, [MetricsRow.model_validate(r) for r in rows])
            except KeyError:
                return  # the run was deleted while its last rows were on their way
            self.store.update_run(run_id, step=rows[-1]["step"])
            self._publish(self.hub.publish_metrics, run_id, rows)
        elif kind == "status":
            self._apply_status(run_id, event["status"], event.get("error"), event.get("step"))
        elif kind == "checkpoint":
            self.store.update_run(run_id, checkpoint=event["checkpoint"])
        elif kind == "updated":
            record = self.store.get_run(run_id)
            if record is not None:
                config = record.config.model_copy(
                    update={"training": TrainingConfig.model_validate(event["training"])}
                )
                self.store.update_run(run_id, config=config)
        elif kind == "probe_frame":
            frame = pack_probe(
                event["topic"], event["node"], event["step"], event["meta"], event["arrays"]
            )
            self._publish(self.hub.publish_tensor, run_id, event["topic"], frame)
        elif kind == "probe_error":
            log.info("run %s: probe %s stopped: %s", run_id, event["topic"], event["error"])
        elif kind == "probe_result":
            waiter = self.probes.pop(event["request_id"], None)
            if waiter is not None and self.loop is not None:
                self.loop.call_soon_threadsafe(_settle, waiter, event)
        elif kind == "update_failed":
            log.warning("run %s: training change refused by the worker: %s", run_id, event["error"])

    def _apply_status(self, run_id: str, status: str, error: str | None, step: int | None) -> None:
        """Record a status reported by the worker and tell the viewers."""
        now = datetime.now(UTC)
        fields: dict[str, Any] = {"status": status, "error": error}
        if step is not None:
            fields["step"] = step
        if status == "running":
            record = self.store.get_run(run_id)
            if record is not None and record.started_at is None:
                fields["started_at"] = now
        if status in TERMINAL:
            fields["finished_at"] = now
            with self.lock:
                self.held.discard(run_id)
        record = self.store.update_run(run_id, **fields)
        if record is not None:
            self._publish(self.hub.publish_status, run_id, self._status_frame(record))

    def _worker_died(self, source: WorkerHandle, exitcode: int | None) -> None:
        """Fail the dead worker's runs with a reason and start a new worker."""
        if source is not self.worker or source.closing:
            return
        with self.lock:
            lost, self.held = set(self.held), set()
        log.error("worker died (exit code %s); failing %d runs", exitcode, len(lost))
        for run_id in lost:
            self._apply_status(
                run_id,
                "failed",
                f"the training process stopped unexpectedly (exit code {exitcode}); this run was "
                "lost at its last reported step. Start a new run to train again.",
                None,
            )
        self.restarts += 1
        self._spawn()

    # --- controls (event loop) -------------------------------------------

    def _send(self, cmd: Command) -> None:
        """Send a command to the current worker."""
        if self.worker is None:
            raise RunStateError("the training worker is not running")
        self.worker.send(cmd)

    def _require(self, run_id: str) -> RunRecord:
        """The run, or KeyError."""
        record = self.store.get_run(run_id)
        if record is None:
            raise KeyError(run_id)
        return record

    def active_count(self) -> int:
        """Runs queued, running or paused."""
        return sum(1 for r in self.store.list_runs() if r.status in ACTIVE)

    def _load(self, record: RunRecord, *, paused: bool, steps: int = 0) -> None:
        """Have the worker load a run (from its checkpoint if it has one)."""
        if record.status not in ACTIVE and self.active_count() >= self.settings.limits.max_runs:
            raise RunStateError(
                f"the server's limit of {self.settings.limits.max_runs} active runs is reached; "
                "stop or delete a run first"
            )
        with self.lock:
            self.held.add(record.id)
        self.store.update_run(record.id, status="queued", error=None)
        self._send(
            {
                "op": "start",
                "run_id": record.id,
                "config": record.config.model_dump(mode="json"),
                "resume": record.checkpoint is not None,
                "paused": paused,
                "steps": steps,
                "watch": self.watched(record.id),
            }
        )

    def start_run(self, run_id: str) -> RunRecord:
        """Queue a created run (or resume a paused one)."""
        record = self._require(run_id)
        if record.status == "created":
            self._load(record, paused=False)
        elif record.status == "paused":
            return self.resume(run_id)
        elif record.status not in ("queued", "running"):
            raise RunStateError(f"the run is {record.status}; create a new run to train again")
        return self._require(run_id)

    def pause(self, run_id: str) -> RunRecord:
        """Pause a running run (it checkpoints)."""
        record = self._require(run_id)
        if record.status not in ("queued", "running", "paused"):
            raise RunStateError(f"the run is {record.status}; only a running run can pause")
        if record.id in self.held:
            self._send({"op": "pause", "run_id": run_id})
        return self._require(run_id)

    def resume(self, run_id: str) -> RunRecord:
        """Resume a paused run, from its checkpoint after a restart."""
        record = self._require(run_id)
        if record.status not in ("paused", "running", "queued"):
            raise RunStateError(f"the run is {record.status}; only a paused run can resume")
        if record.id in self.held:
            self._send({"op": "resume", "run_id": run_id})
        else:
            self._load(record, paused=False)
        return self._require(run_id)

    def step(self, run_id: str, n: int) -> RunRecord:
        """Take n steps of a paused (or not yet started) run, then stay paused."""
        record = self._require(run_id)
        if record.status == "running":
            raise RunStateError("the run is running; pause it before stepping")
        if record.status in TERMINAL:
            raise RunStateError(f"the run is {record.status}; it cannot take more steps")
        if record.id in self.held:
            self._send({"op": "step", "run_id": run_id, "n": n})
        else:
            self._load(record, paused=True, steps=n)
        return self._require(run_id)

    def stop(self, run_id: str) -> RunRecord:
        """Stop a run for good (it checkpoints)."""
        record = self._require(run_id)
        if record.status in TERMINAL:
            raise RunStateError(f"the run is already {record.status}")
        if record.id in self.held:
            self._send({"op": "stop", "run_id": run_id})
        else:
            self._apply_status(run_id, "stopped", None, None)
        return self._require(run_id)

    def update_training(self, run_id: str, changes: dict[str, Any]) -> RunRecord:
        """Change training settings; live when the run is held (else for its next start)."""
        record = self._require(run_id)
        if record.status in TERMINAL:
            raise RunStateError(f"the run is {record.status}; its settings can no longer change")
        training = TrainingConfig.model_validate({**record.config.training.model_dump(), **changes})
        config = record.config.model_copy(update={"training": training})
        updated = self.store.update_run(run_id, config=config)
        if record.id in self.held:
            self._send({"op": "update", "run_id": run_id, "changes": changes})
        assert updated is not None
        return updated

    def watched(self, run_id: str) -> dict[str, float]:
        """Probe topics someone watches on this run, at the highest rate asked."""
        return {t: hz for t, hz in self.hub.wanted(run_id).items() if t.partition(":")[0] in TOPICS}

    def watch(self, run_id: str, options: dict[str, Any] | None = None) -> None:
        """Tell the worker which probes to stream for a run (after viewers change)."""
        if options is not None:
            self.probe_options[run_id] = options
        if run_id in self.held:
            self._send(
                {
                    "op": "watch",
                    "run_id": run_id,
                    "topics": self.watched(run_id),
                    "options": self.probe_options.get(run_id, {}),
                }
            )

    async def probe(
        self,
        run_id: str,
        topic: str,
        node: str | None,
        options: dict[str, Any],
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """One probe computed now by the worker (KeyError, RunStateError or ProbeFailed)."""
        record = self._require(run_id)
        if record.id not in self.held:
            raise RunStateError(
                f"the run is {record.status}: probes work on a queued, running or paused run"
            )
        request_id = uuid.uuid4().hex
        waiter: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self.probes[request_id] = waiter
        self._send(
            {
                "op": "probe",
                "request_id": request_id,
                "run_id": run_id,
                "topic": topic,
                "node": node,
                "options": options,
            }
        )
        try:
            event = await asyncio.wait_for(waiter, timeout)
        finally:
            self.probes.pop(request_id, None)
        if "error" in event:
            raise ProbeFailedError(event["error"])
        result: dict[str, Any] = event["result"]
        return result

    def delete(self, run_id: str) -> None:
        """Forget a run: worker memory, checkpoint file, history."""
        record = self._require(run_id)
        with self.lock:
            held = record.id in self.held
            self.held.discard(run_id)
        if held:
            self._send({"op": "drop", "run_id": run_id})
        if record.checkpoint:
            Path(self.settings.data_dir, record.checkpoint).unlink(missing_ok=True)
        self.store.delete_run(run_id)
