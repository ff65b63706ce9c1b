"""The run manager: the web process's side of the worker, the store and the hub.

It owns the worker process, sends it typed commands, reads its typed events on a
thread, writes what they say to the store and publishes them to viewers. Controls
go through the lifecycle table. If the worker dies, the runs it held fail with a
reason and a fresh worker starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing as mp
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any, assert_never

from models.checkpoint import copy_weights
from models.device import resolve_device
from models.optim import TrainingConfig, TrainingPatch
from models.probes.dispatch import is_probe_topic
from models.run import RunConfig
from server import protocol as wire
from server.hub import Hub
from server.lifecycle import (
    ACTIVE,
    TERMINAL,
    ControlAction,
    RunAction,
    RunNotFoundError,
    RunStateError,
    RunStatus,
    transition,
)
from server.messages import StatusFrame
from server.probe_frames import pack_probe
from server.ray_backend import RayPool
from server.settings import Settings
from server.store import Owner, RunRecord, Store
from server.worker import Beacon, WorkerOptions, checkpoint_name, init_name, worker_main

log = logging.getLogger("layerlab.manager")

SLOW_DEVICE_FLOPS = 2e9
MAX_PROBLEMS = 10  # distinct problems kept for /api/health
MAX_RESPAWN_WAIT_S = 30.0  # longest wait before starting a worker that keeps failing to start
SAVED_FRAME_WAIT_S = 120.0  # a frame from saved weights waits this long at most for probe time
MAX_PIECED_PROBE_S = 300.0  # a probe computed in pieces (the loss slice) gives up after this long

__all__ = ["ProbeBusyError", "ProbeFailedError", "RunManager", "RunNotFoundError", "RunStateError"]


class ProbeFailedError(Exception):
    """A probe that does not apply to the run (HTTP 422)."""


class ProbeBusyError(Exception):
    """Probes have used the worker's probe time for now (HTTP 429)."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(
            f"the trainer's time for probes is spent for now; ask again in {retry_after_s:.1f} s"
        )
        self.retry_after_s = retry_after_s


def _settle(waiter: asyncio.Future[wire.ProbeAnswer], answer: wire.ProbeAnswer) -> None:
    """Resolve a waiting probe request, unless it gave up already."""
    if not waiter.done():
        waiter.set_result(answer)


class WorkerHandle:
    """One worker process with its two queues and the thread reading its events."""

    def __init__(
        self,
        options: WorkerOptions,
        on_event: Callable[[WorkerHandle, wire.Event], None],
        watchdog_s: float = math.inf,
    ) -> None:
        ctx = mp.get_context("spawn")
        self.watchdog_s = watchdog_s
        self.ended: str | None = None  # why the server ended the process, if it did
        self.commands: Queue[wire.Command] = ctx.Queue()
        self.events: Queue[wire.Event] = ctx.Queue()
        self.beacon = Beacon(ctx)
        self.process: BaseProcess = ctx.Process(
            target=worker_main,
            args=(options, self.commands, self.events, self.beacon),
            daemon=True,
            name="layerlab-worker",
        )
        self.on_event = on_event
        self.closing = False
        self.process.start()
        self.reader = threading.Thread(target=self._read, daemon=True, name="layerlab-events")
        self.reader.start()

    def send(self, cmd: wire.Command) -> None:
        """Queue a command for the worker."""
        self.commands.put(cmd)

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self.process.pid

    def culprit(self) -> str | None:
        """The run the worker was stepping (or last stepped), blamed if it died."""
        return self.beacon.run_id()

    def _read(self) -> None:
        """Forward events until the worker ends; report its death."""
        while True:
            event: wire.Event
            try:
                event = self.events.get(timeout=0.25)
            except queue.Empty:
                if not self.process.is_alive():
                    if not self.closing:
                        self.on_event(self, self._died())
                    return
                self._watch()
                continue
            except (EOFError, OSError):
                event = self._died()
            try:
                self.on_event(self, event)
            except Exception:  # a bad event must not end the reading, or every run would stall
                log.exception("could not apply worker event %s", getattr(event, "type", event))
            if isinstance(event, wire.Bye | wire.Died):
                return

    def _died(self) -> wire.Died:
        """The event for the process's end."""
        return wire.Died(exitcode=self.process.exitcode, reason=self.ended)

    def _watch(self) -> None:
        """The watchdog: end a worker whose slice has run past the limit (it sends nothing)."""
        busy = self.beacon.busy_s()
        if busy > self.watchdog_s and self.ended is None and not self.closing:
            self.ended = (
                f"one slice of its training ran past the server's limit of "
                f"{self.watchdog_s:g} s (LAYERLAB_LIMIT_WATCHDOG_S), so the training process "
                "was restarted; make the network or the batch smaller, then start a new run"
            )
            run_id = self.beacon.run_id()
            log.error("worker stuck %.1f s in one slice of run %s: ending it", busy, run_id)
            self.process.kill()

    def close(self, timeout: float = 10.0, grace_s: float = 0.5) -> None:
        """Ask the worker to checkpoint and exit; kill it if it will not.

        A worker in a long step checkpoints its other runs from a second thread
        (`Beacon.saved`); then the step in progress is not waited for once it has run
        past `grace_s` (time for those checkpoints' events to reach the queue).
        """
        self.closing = True
        if self.process.is_alive():
            self.beacon.shutdown.set()
            self.send(wire.Shutdown())
            asked = time.monotonic()
            while self.process.is_alive() and time.monotonic() < asked + timeout:
                waited = time.monotonic() - asked
                if self.beacon.saved.is_set() and min(waited, self.beacon.busy_s()) > grace_s:
                    log.warning("the worker is in a long step; its other runs are saved: ending it")
                    break
                self.process.join(0.05)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(2)
        self.reader.join(timeout)


def status_frame(record: RunRecord) -> StatusFrame:
    """The stream's status frame for a run."""
    return StatusFrame(
        run_id=record.id,
        status=record.status,
        error=record.error,
        step=record.step,
        actions=record.actions,
    )


class RunManager:
    """Starts, controls and watches runs; the REST routers and the stream call it."""

    def __init__(self, settings: Settings, store: Store, hub: Hub) -> None:
        self.settings = settings
        self.store = store
        self.hub = hub
        self.held: set[str] = set()  # runs loaded in the current worker
        self.spotlit: set[str] = set()  # runs a teacher shows their class: a large share
        self.worker: WorkerHandle | RayPool | None = None
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.restarts = 0
        self.failed_starts = 0  # workers in a row that died before they were ready
        self.closed = False
        self.device = "unknown"
        self.worker_ready = False
        # Until the worker has measured its device: a slow CPU's speed, so estimates err long.
        self.flops_per_s = SLOW_DEVICE_FLOPS
        # On-demand probes awaiting the worker, by request id.
        self.probes: dict[str, asyncio.Future[wire.ProbeAnswer]] = {}
        self.probe_options: dict[str, wire.ProbeOptions] = {}  # run -> options viewers last set
        self.problems: list[str] = []  # what went wrong while serving, for /api/health
        self.store_failed: set[str] = set()  # runs failed because the store refused a write
        self.saved_frames: dict[str, set[str]] = {}  # run not held -> topics sent from its weights
        self.tasks: set[asyncio.Task[None]] = set()
        self.seen: dict[str, float] = {}  # run -> when someone last watched or read it
        self.idle_notes: dict[str, str] = {}  # run paused for want of viewers -> why

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
            step = self._rewind(record)
            note = (
                f"interrupted by a server restart; resume to continue from step {step}, "
                "its last checkpoint"
            )
            self.store.update_run(record.id, status="paused", error=note)
        self._spawn()
        if self.settings.idle_pause_s > 0:
            task = self.loop.create_task(self._pause_unwatched())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def touch(self, run_id: str) -> None:
        """Someone looked at the run (a REST read): it counts as watched."""
        self.seen[run_id] = time.monotonic()

    async def _pause_unwatched(self) -> None:
        """Pause running runs that no viewer has watched, nor anyone read, for idle_pause_s."""
        limit = self.settings.idle_pause_s
        while True:
            await asyncio.sleep(min(10.0, limit / 4))
            now = time.monotonic()
            with self.lock:
                held = list(self.held)
            for run_id in held:
                if self.hub.viewers(run_id) > 0:
                    self.seen[run_id] = now
                    continue
                if now - self.seen.setdefault(run_id, now) < limit:
                    continue
                record = self.store.get_run(run_id)
                if record is None or record.status != "running":
                    continue
                minutes = f"{limit / 60:.3g} min" if limit >= 60 else f"{limit:g} s"
                self.idle_notes[run_id] = (
                    f"paused by itself: nobody watched it for {minutes} "
                    "(LAYERLAB_IDLE_PAUSE_S); resume to continue"
                )
                log.info("run %s: nobody watched it for %s; pausing it", run_id, minutes)
                with contextlib.suppress(RunStateError):
                    self.pause(run_id)

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
            memory_bytes=s.limits.worker_bytes(),
            fuse=s.fuse,
            cuda_graphs=s.cuda_graphs,
        )

    def _spawn(self) -> None:
        """A fresh worker process (not ready until it says so)."""
        self.worker_ready = False
        if self.settings.backend == "ray":
            self.worker = RayPool(
                self._options(),
                self._on_event,
                address=self.settings.ray_address,
                actors=self.settings.ray_actors,
                watchdog_s=self.settings.limits.watchdog_s,
            )
            return
        self.worker = WorkerHandle(
            self._options(), self._on_event, watchdog_s=self.settings.limits.watchdog_s
        )

    def close(self) -> None:
        """Checkpoint running runs and stop the worker (server shutdown)."""
        self.closed = True
        for task in list(self.tasks):
            task.cancel()
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id (tests kill it)."""
        return None if self.worker is None else self.worker.pid

    # --- events from the worker (reader thread) ----------------------------

    def _publish(self, fn: Callable[..., None], *args: Any) -> None:
        """Run a hub publish on the event loop, from any thread."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn, *args)

    def _on_event(self, source: WorkerHandle | RayPool, event: wire.Event) -> None:
        """Apply one worker event; a store that refuses the write fails that event's run."""
        try:
            self._apply_event(source, event)
        except (sqlite3.Error, OSError) as exc:
            run_id: str | None = getattr(event, "run_id", None)
            self._store_failed(run_id, event.type, exc)

    def _store_failed(self, run_id: str | None, what: str, exc: Exception) -> None:
        """A write to the store failed: say so in /api/health and end the run it was for.

        The run stops in the worker (which checkpoints it) and is marked failed with the
        reason, so that it does not train on with a history that is no longer kept.
        """
        log.error("the database refused a write (%s of run %s): %s", what, run_id, exc)
        note = f"the database refused a write ({exc}); runs whose history it lost have failed"
        if note not in self.problems:
            self.problems.append(note)
            del self.problems[:-MAX_PROBLEMS]
        if run_id is None:
            return
        with self.lock:
            if run_id in self.store_failed:
                return  # failed already; the worker's answers to the stop are no news
            self.store_failed.add(run_id)
            held = run_id in self.held
            self.held.discard(run_id)
        if held and self.worker is not None:
            self.worker.send(wire.Stop(run_id=run_id))
        reason = (
            f"its history could not be saved (the database refused a write: {exc}); it was "
            "stopped at its last checkpoint. See /api/health."
        )
        frame = StatusFrame(run_id=run_id, status="failed", error=reason, step=None, actions=[])
        try:
            record = self.store.update_run(
                run_id, status="failed", error=reason, finished_at=datetime.now(UTC)
            )
        except (sqlite3.Error, OSError):
            log.exception("run %s: could not record its failure either", run_id)
        else:
            if record is not None:
                frame = status_frame(record)
        self._publish(self.hub.publish_status, run_id, frame.model_dump())

    def _apply_event(self, source: WorkerHandle | RayPool, event: wire.Event) -> None:
        """Apply one worker event to the store and the viewers."""
        match event:
            case wire.Ready():
                self.worker_ready = True
                self.device = event.device
                self.flops_per_s = event.flops_per_s
            case wire.Died():
                self._worker_died(source, event.exitcode, event.reason)
            case wire.Bye():
                pass
            case wire.Metrics():
                self._metrics(event)
            case wire.Status():
                self._apply_status(event.run_id, event.status, event.error, event.step)
            case wire.Checkpoint():
                self.store.update_run(
                    event.run_id, checkpoint=event.checkpoint, checkpoint_step=event.step
                )
            case wire.Updated():
                self._updated(event.run_id, event.training)
            case wire.UpdateFailed():
                log.warning(
                    "run %s: training change refused by the worker: %s", event.run_id, event.error
                )
            case wire.ProbeFrame():
                p = event.probe
                frame = pack_probe(p.topic, p.node, p.step, p.meta, p.arrays)
                self._publish(self.hub.publish_tensor, event.run_id, p.topic, frame)
            case wire.ProbeStopped():
                log.info("run %s: probe %s stopped: %s", event.run_id, event.topic, event.error)
            case wire.ProbeAnswer():
                waiter = self.probes.pop(event.request_id, None)
                if waiter is not None and self.loop is not None:
                    self.loop.call_soon_threadsafe(_settle, waiter, event)
            case wire.UnknownRun():
                self._unknown_run(event)
            case wire.Rejected():
                log.error("the worker rejected a '%s' command: %s", event.command, event.error)
            case _:
                wire.unhandled(event, "the run manager")

    def _metrics(self, event: wire.Metrics) -> None:
        """Store and publish a run's new metric rows."""
        try:
            self.store.append_metrics(event.run_id, event.rows)
        except RunNotFoundError:
            return  # the run was deleted while its last rows were on their way
        self.store.update_run(event.run_id, step=event.rows[-1].step)
        self._publish(self.hub.publish_metrics, event.run_id, [r.model_dump() for r in event.rows])

    def _updated(self, run_id: str, training: TrainingConfig) -> None:
        """Record the training settings a live change put in force."""
        record = self.store.get_run(run_id)
        if record is not None:
            self.store.update_run(
                run_id, config=record.config.model_copy(update={"training": training})
            )

    def _unknown_run(self, event: wire.UnknownRun) -> None:
        """The worker does not hold a run it was sent a command for: say so and reconcile."""
        with self.lock:
            believed = event.run_id in self.held
            self.held.discard(event.run_id)
        record = self.store.get_run(event.run_id)
        if not believed or record is None or record.status not in ACTIVE:
            # The run ended (its status is on the way or here) as the command left: a race.
            log.info(
                "run %s: '%s' arrived after the run left the worker", event.run_id, event.command
            )
            return
        log.error(
            "run %s: the worker does not hold it (command '%s'); it comes back from its "
            "checkpoint, or fails without one",
            event.run_id,
            event.command,
        )
        if record.checkpoint is None:
            self._apply_status(
                event.run_id,
                "failed",
                "the training process lost this run before its first checkpoint; "
                "start a new run to train again",
                None,
            )
        else:
            self._apply_status(
                event.run_id,
                "paused",
                "the training process lost this run; resume to continue from its last checkpoint",
                None,
            )

    def _apply_status(
        self, run_id: str, status: RunStatus, error: str | None, step: int | None
    ) -> None:
        """Record a status reported by the worker and tell the viewers."""
        now = datetime.now(UTC)
        current = self.store.get_run(run_id)
        if status in TERMINAL:
            with self.lock:
                self.held.discard(run_id)
        if current is not None and current.status in TERMINAL:
            # Ended here already (failed by a store error, stopped while not held): the
            # worker's later word, such as the stop that followed, changes nothing.
            log.info("run %s: %s reported after it ended %s", run_id, status, current.status)
            return
        if status == "paused" and error is None:
            error = self.idle_notes.pop(run_id, None)  # why it paused, when it did by itself
        fields: dict[str, Any] = {"status": status, "error": error}
        if step is not None:
            fields["step"] = step
        if status == "running" and current is not None and current.started_at is None:
            fields["started_at"] = now
        if status in TERMINAL:
            fields["finished_at"] = now
        record = self.store.update_run(run_id, **fields)
        if record is not None:
            self._publish(self.hub.publish_status, run_id, status_frame(record).model_dump())

    def _worker_died(
        self, source: WorkerHandle | RayPool, exitcode: int | None, ended: str | None = None
    ) -> None:
        """Fail the run the dead worker was training; bring the others back on a new one."""
        if source is not self.worker or source.closing:
            return
        culprit = source.culprit()
        with self.lock:
            lost, self.held = set(self.held), set()
        log.error(
            "worker died (exit code %s) training run %s; %d runs to bring back",
            exitcode,
            culprit,
            len(lost - {culprit}),
        )
        self.restarts += 1
        if self.worker_ready:
            self.failed_starts = 0
        else:
            # It died before it was ready: it may die the same way again at once, so the
            # next tries wait longer and longer rather than spin, and health says so.
            self.failed_starts += 1
            delay = min(MAX_RESPAWN_WAIT_S, 2.0 ** (self.failed_starts - 1))
            note = (
                f"the training process fails to start (exit code {exitcode}); it is tried "
                "again, each time after a longer wait; see the server's log"
            )
            if note not in self.problems:
                self.problems.append(note)
            log.error("worker died before it was ready; next try in %.0f s", delay)
            time.sleep(delay)  # on the dead worker's reader thread: nothing else waits on it
        if self.closed:
            return  # the server shut down meanwhile
        self._spawn()
        for run_id in sorted(lost):
            record = self.store.get_run(run_id)
            if record is None or record.status not in ACTIVE:
                continue
            if run_id == culprit and ended is not None:
                reason = ended
            elif run_id == culprit:
                reason = (
                    f"the training process stopped unexpectedly (exit code {exitcode}) while "
                    "it trained this run; it was lost at its last reported step. Start a new "
                    "run to train again."
                )
            elif record.checkpoint is None and record.status != "queued":
                reason = (
                    f"the training process stopped unexpectedly (exit code {exitcode}) before "
                    "this run's first checkpoint. Start a new run to train again."
                )
            else:
                # Another run's crash is not this run's end: it carries on from its checkpoint.
                try:
                    self._load(record, paused=record.status == "paused")
                except RunStateError as exc:
                    reason = f"it could not come back after the training process stopped: {exc}"
                else:
                    log.info("run %s: back from its checkpoint on the new worker", run_id)
                    continue
            self._apply_status(run_id, "failed", reason, None)

    # --- controls (event loop) -------------------------------------------

    def _send(self, cmd: wire.Command) -> None:
        """Send a command to the current worker."""
        if self.worker is None:
            raise RunStateError("the training worker is not running")
        self.worker.send(cmd)

    def get(self, run_id: str) -> RunRecord:
        """The run, or RunNotFoundError."""
        record = self.store.get_run(run_id)
        if record is None:
            raise RunNotFoundError(run_id)
        return record

    def _check(self, run_id: str, action: RunAction) -> tuple[RunRecord, RunStatus]:
        """The run and where the action leads it, or RunNotFoundError / RunStateError."""
        record = self.get(run_id)
        return record, transition(record.status, action)

    def _rewind(self, record: RunRecord) -> int:
        """Cut a run's history back to its checkpoint, so that resuming makes one timeline.

        The rows past the checkpoint were trained by a worker that is gone; the run
        trains those steps again from the checkpoint. Returns the step it resumes at.
        """
        step = record.checkpoint_step
        if step is None or record.checkpoint is None:
            return record.step
        if record.step > step:
            dropped = self.store.truncate_metrics(record.id, step)
            self.store.update_run(record.id, step=step)
            log.info(
                "run %s: back to its checkpoint at step %d (%d rows dropped)",
                record.id,
                step,
                dropped,
            )
        return step

    def _load(self, record: RunRecord, *, paused: bool, steps: int = 0) -> None:
        """Have the worker load a run (from its checkpoint if it has one)."""
        limit, mine = self.settings.limits.max_runs, self.settings.limits.max_member_runs
        if not self.store.admit(record.id, ACTIVE, limit, mine):
            owner = self.store.owner(record.id)
            if owner and owner.owner_id and self.store.active_of(owner.owner_id, ACTIVE) >= mine:
                raise RunStateError(
                    f"you have {mine} active runs, as many as one member of a class may; "
                    "stop one of them first"
                )
            raise RunStateError(
                f"the server's limit of {limit} active runs is reached; stop or delete a run first"
            )
        with self.lock:
            self.held.add(record.id)
        self._rewind(record)
        init = init_name(record.id)
        fork_of = record.checkpoint is None and Path(self.settings.data_dir, init).exists()
        self._send(
            wire.Start(
                run_id=record.id,
                config=record.config,
                init_weights=init if fork_of else None,
                resume=record.checkpoint is not None,
                paused=paused,
                steps=steps,
                watch=self.watched(record.id),
                options=self.probe_options.get(record.id, {}),
                share=self._share(record.id),
            )
        )
        if record.id in self.spotlit:
            self._send(wire.Spotlight(run_id=record.id, on=True))

    def spotlight(self, run_id: str | None, previous: str | None = None) -> None:
        """Give the run a teacher shows a large share of the worker (and take it from the last)."""
        for target, on in ((previous, False), (run_id, True)):
            if target is None or (target == previous == run_id):
                continue
            if on:
                self.spotlit.add(target)
            else:
                self.spotlit.discard(target)
            if target in self.held:
                self._send(wire.Spotlight(run_id=target, on=on))

    def _share(self, run_id: str) -> str | None:
        """Whose worker time the run shares: its student's in a class, else its own."""
        owner = self.store.owner(run_id)
        return None if owner is None or owner.owner_id is None else f"member:{owner.owner_id}"

    def control(self, run_id: str, action: ControlAction, n: int = 1) -> RunRecord:
        """Apply start, pause, resume, step or stop through the lifecycle table."""
        record, target = self._check(run_id, action)
        held = record.id in self.held
        match action:
            case "start" if target == record.status:
                pass  # started already: queued or running
            case "start" | "resume":
                if held:
                    self._send(wire.Resume(run_id=run_id))
                else:
                    self._load(record, paused=False)
            case "pause" if record.status in TERMINAL:
                pass  # ended already (a paused run's pause still goes on: it stops steps)
            case "pause":
                if held:
                    self._send(wire.Pause(run_id=run_id))
            case "step":
                if held:
                    self._send(wire.Step(run_id=run_id, n=n))
                else:
                    self._load(record, paused=True, steps=n)
            case "stop" if target == record.status:
                pass  # ended already
            case "stop":
                if held:
                    self._send(wire.Stop(run_id=run_id))
                else:
                    self._apply_status(run_id, "stopped", None, None)
            case _:
                assert_never(action)
        return self.get(run_id)

    def start_run(self, run_id: str) -> RunRecord:
        """Queue a created run (or resume a paused one)."""
        return self.control(run_id, "start")

    def pause(self, run_id: str) -> RunRecord:
        """Pause a running run (it checkpoints)."""
        return self.control(run_id, "pause")

    def resume(self, run_id: str) -> RunRecord:
        """Resume a paused run, from its checkpoint after a restart."""
        return self.control(run_id, "resume")

    def step(self, run_id: str, n: int) -> RunRecord:
        """Take n steps of a paused (or not yet started) run, then stay paused."""
        return self.control(run_id, "step", n)

    def stop(self, run_id: str) -> RunRecord:
        """Stop a run for good (it checkpoints)."""
        return self.control(run_id, "stop")

    def update_training(self, run_id: str, patch: TrainingPatch) -> RunRecord:
        """Change training settings; live when the run is held (else for its next start).

        ValidationError (from TrainingConfig) when the result is not a valid setting.
        """
        record, _ = self._check(run_id, "update")
        training = TrainingConfig.model_validate(
            {**record.config.training.model_dump(), **patch.changes()}
        )
        config = record.config.model_copy(update={"training": training})
        updated = self.store.update_run(run_id, config=config)
        if record.id in self.held:
            self._send(wire.Update(run_id=run_id, changes=patch))
        if updated is None:
            raise RunNotFoundError(run_id)
        return updated

    def watched(self, run_id: str) -> dict[str, float]:
        """Probe topics someone watches on this run, at the highest rate asked."""
        return {t: hz for t, hz in self.hub.wanted(run_id).items() if is_probe_topic(t)}

    def watch(self, run_id: str, options: wire.ProbeOptions | None = None) -> None:
        """Tell the worker which probes to stream for a run (after viewers change).

        A run the worker does not hold trains no more: each newly watched topic (every
        one, when the options change) gets one frame computed from its saved weights.
        """
        if options is not None:
            self.probe_options[run_id] = options
        topics = self.watched(run_id)
        if run_id in self.held:
            self.saved_frames.pop(run_id, None)
            self._send(
                wire.Watch(run_id=run_id, topics=topics, options=self.probe_options.get(run_id, {}))
            )
            return
        sent = self.saved_frames.setdefault(run_id, set())
        if options is not None:
            sent.clear()
        sent &= set(topics)  # a topic watched again later gets a fresh frame
        for topic in topics:
            if topic not in sent and self.loop is not None:
                sent.add(topic)
                options_now = self.probe_options.get(run_id, {})
                task = self.loop.create_task(self._frame_of_saved(run_id, topic, options_now))
                self.tasks.add(task)  # held until done: the loop keeps only weak references
                task.add_done_callback(self.tasks.discard)

    async def probe(
        self,
        run_id: str,
        topic: str,
        node: str | None,
        options: wire.ProbeOptions,
        *,
        timeout: float = 30.0,
        on_piece: Callable[[wire.ProbePayload], None] | None = None,
    ) -> wire.ProbePayload:
        """A probe of the run's live model, or of its saved weights when the worker lets go.

        A probe the worker computes in pieces (the loss slice) is asked for again until
        complete, each piece handed to `on_piece`, training going on in between.
        """
        record = self.get(run_id)
        saved: RunConfig | None = None
        if record.id not in self.held:
            if record.checkpoint is None:
                raise RunStateError(
                    f"the run is {record.status} and has no saved weights yet: start it to probe"
                )
            saved = record.config  # paused after a restart, completed, stopped, failed
        command = wire.Probe(
            request_id="", run_id=run_id, topic=topic, node=node, options=options, config=saved
        )
        begun = False
        deadline = time.monotonic() + MAX_PIECED_PROBE_S
        while True:
            answer = await self._ask(command, timeout)
            if answer.retry_after_s is not None:
                if not begun or time.monotonic() > deadline:
                    raise ProbeBusyError(answer.retry_after_s)
                await asyncio.sleep(answer.retry_after_s)  # the probe budget refills
                continue
            if answer.probe is None:
                raise ProbeFailedError(answer.error or "the probe failed")
            if not answer.more:
                return answer.probe
            begun = True
            if on_piece is not None:
                on_piece(answer.probe)
            await asyncio.sleep(0)

    async def _ask(self, command: wire.Probe, timeout: float) -> wire.ProbeAnswer:
        """Send one Probe command to the worker and wait for its answer."""
        request_id = uuid.uuid4().hex
        waiter: asyncio.Future[wire.ProbeAnswer] = asyncio.get_running_loop().create_future()
        self.probes[request_id] = waiter
        self._send(command.model_copy(update={"request_id": request_id}))
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            self.probes.pop(request_id, None)

    async def _frame_of_saved(self, run_id: str, topic: str, options: wire.ProbeOptions) -> None:
        """One stream frame of a probe topic from a run's saved weights (it trains no more);
        a loss slice sends a frame per piece, filling in as a live run's does."""

        def publish(p: wire.ProbePayload) -> None:
            self.hub.publish_tensor(
                run_id, topic, pack_probe(p.topic, p.node, p.step, p.meta, p.arrays)
            )

        # The probe budget lets every asker through in turn (several ended runs' slices
        # share it): wait for it as long as someone still watches the topic.
        deadline = time.monotonic() + SAVED_FRAME_WAIT_S
        while time.monotonic() < deadline and topic in self.watched(run_id):
            try:
                p = await self.probe(run_id, topic, None, options, on_piece=publish)
            except ProbeBusyError as exc:
                await asyncio.sleep(exc.retry_after_s)
                continue
            except (ProbeFailedError, RunStateError, RunNotFoundError, TimeoutError) as exc:
                log.info("run %s: no %s frame from its saved weights: %s", run_id, topic, exc)
                return
            publish(p)
            return

    def fork(
        self, source: RunRecord, config: RunConfig, *, weights: bool, owner: Owner | None = None
    ) -> RunRecord:
        """A new run of `config` (created, not started); from the source's weights if asked.

        The weights are those of the source's latest checkpoint (a running run saves one
        every few seconds); the fork starts at step 0 with a fresh optimizer.
        """
        if weights and source.checkpoint is None:
            raise RunStateError(
                f"the run is {source.status} and has no saved weights yet; fork it from step 0 "
                "or start it first"
            )
        record = self.store.create_run(config, owner)
        if weights and source.checkpoint is not None:
            data = Path(self.settings.data_dir)
            try:
                copy_weights(data / source.checkpoint, data / init_name(record.id))
            except OSError as exc:
                self.store.delete_run(record.id)
                raise RunStateError(f"the run's saved weights could not be read: {exc}") from exc
        return record

    def delete(self, run_id: str) -> None:
        """Forget a run: worker memory, checkpoint file, history."""
        record = self.get(run_id)
        with self.lock:
            held = record.id in self.held
            self.held.discard(run_id)
        if held:
            self._send(wire.Drop(run_id=run_id))  # the worker removes its checkpoint after
        else:
            Path(self.settings.data_dir, checkpoint_name(run_id)).unlink(missing_ok=True)
            Path(self.settings.data_dir, init_name(run_id)).unlink(missing_ok=True)
            if self.worker is not None:
                self.worker.send(wire.Drop(run_id=run_id))  # its weights loaded for probes
        self.store.delete_run(run_id)
        self.probe_options.pop(run_id, None)
        self.saved_frames.pop(run_id, None)
        self.seen.pop(run_id, None)
