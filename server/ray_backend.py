"""Workers as Ray actors behind the same job protocol as the local worker process.

`layerlab serve --backend ray` (LAYERLAB_BACKEND=ray) connects to a Ray cluster
(`--ray-address`) or starts a local one, and runs one `Worker` per actor: one actor per
GPU of the cluster, or one per node where it has none (`LAYERLAB_RAY_ACTORS` to choose).
Each actor runs the worker's own loop on a thread, fed by a command queue; the web side
sends it commands by actor calls and reads its events by long polls, one reader thread per
actor. A new run goes to the actor holding the fewest runs; every later command about it
goes to that actor. An actor that dies (or whose slice runs past the watchdog's limit)
fails the runs it held, with the reason, and a fresh actor takes its place.

The data directory must be one the actors can reach (a local cluster shares this
machine's; a remote cluster needs it mounted at the same path). Ray is an optional extra
(`pip install .[ray]`), imported only when a pool starts.
"""

from __future__ import annotations

import importlib
import logging
import math
import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from server import protocol as wire
from server.lifecycle import TERMINAL
from server.worker import Beacon, Worker, WorkerOptions

log = logging.getLogger("layerlab.ray")

POLL_S = 0.25  # how long one events call waits for the first event
CLOSE_S = 10.0  # how long closing waits for the actors to checkpoint and say goodbye


class WorkerActor:
    """One worker inside a Ray actor: its loop on a thread, its queues in the actor."""

    def __init__(self, options: WorkerOptions) -> None:
        threads = options.torch_threads or max(1, min(4, (os.cpu_count() or 2) // 2))
        torch.set_num_threads(threads)
        self.commands: queue.Queue[wire.Command] = queue.Queue()
        self.events: queue.Queue[wire.Event] = queue.Queue()
        self.beacon = Beacon(mp.get_context("spawn"))
        self.thread = threading.Thread(
            target=self._serve, args=(options,), daemon=True, name="layerlab-worker"
        )
        self.thread.start()

    def _serve(self, options: WorkerOptions) -> None:
        """The worker's loop; a crash of the loop itself is said as the actor's death."""
        try:
            Worker(options, self.commands, self.events, beacon=self.beacon).loop()
        except BaseException:  # the loop guards each run; reaching here ends the worker
            self.events.put(wire.Died(exitcode=None, reason=traceback.format_exc(limit=5)))

    def send(self, cmd: wire.Command) -> None:
        """Queue a command for the worker (a shutdown also sets the beacon's flag)."""
        if isinstance(cmd, wire.Shutdown):
            self.beacon.shutdown.set()
        self.commands.put(cmd)

    def poll(self, wait_s: float) -> tuple[list[wire.Event], float, str | None]:
        """The events so far (waiting up to wait_s for a first), the slice's age, its run."""
        out: list[wire.Event] = []
        try:
            out.append(self.events.get(timeout=wait_s))
            while True:
                out.append(self.events.get_nowait())
        except queue.Empty:
            pass
        return out, self.beacon.busy_s(), self.beacon.run_id()

    def pid(self) -> int:
        """The actor's process id."""
        return os.getpid()


@dataclass
class Slot:
    """One actor, the runs placed on it, and the thread reading its events."""

    index: int
    actor: Any
    runs: set[str] = field(default_factory=set)
    reader: threading.Thread | None = None
    said_bye: threading.Event = field(default_factory=threading.Event)
    ended: str | None = None  # why the pool ended the actor, if it did
    retired: bool = False  # replaced: its reader stops


def _ray() -> Any:
    """The ray module, or a clear error when the optional extra is not installed."""
    try:
        ray = importlib.import_module("ray")  # optional: only this backend needs it
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the Ray backend needs Ray: pip install '.[ray]' (or pip install ray)"
        ) from exc
    return ray


def actor_count(ray: Any, wanted: int) -> int:
    """`wanted` actors (no more than the GPUs, where there are), or (0) one per GPU in the
    cluster, else one per alive node."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    if wanted > 0:
        return min(wanted, gpus) if gpus > 0 else wanted  # an actor holds a whole GPU
    if gpus > 0:
        return gpus
    return max(1, sum(1 for node in ray.nodes() if node.get("Alive")))


class RayPool:
    """The web side's handle on a set of worker actors, shaped as the local WorkerHandle."""

    def __init__(
        self,
        options: WorkerOptions,
        on_event: Callable[[Any, wire.Event], None],
        *,
        address: str | None = None,
        actors: int = 0,
        watchdog_s: float = math.inf,
        init: dict[str, Any] | None = None,
    ) -> None:
        ray = _ray()
        self.ray = ray
        self.options = options
        self.on_event = on_event
        self.watchdog_s = watchdog_s
        self.closing = False
        self.started_ray = not ray.is_initialized()
        if self.started_ray:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                ignore_reinit_error=True,
                **(init or {}),
            )
        self.gpus = int(ray.cluster_resources().get("GPU", 0))
        # One GPU an actor where there are GPUs, else one core (the worker sets its threads).
        self.remote = ray.remote(
            num_cpus=0 if self.gpus else 1, num_gpus=1 if self.gpus else 0, max_concurrency=4
        )(WorkerActor)
        self.lock = threading.Lock()
        self.placement: dict[str, Slot] = {}
        self.slots: list[Slot] = []
        for index in range(actor_count(ray, actors)):
            self.slots.append(self._start(index))

    # --- actors ---------------------------------------------------------------------

    def _start(self, index: int) -> Slot:
        """A fresh actor in place `index`, with its reader running."""
        slot = Slot(index=index, actor=self.remote.remote(self.options))
        slot.reader = threading.Thread(
            target=self._read, args=(slot,), daemon=True, name=f"layerlab-ray-{index}"
        )
        slot.reader.start()
        return slot

    def _read(self, slot: Slot) -> None:
        """Forward the actor's events until it says goodbye or dies."""
        while not slot.retired:
            try:
                events, busy, run_id = self.ray.get(slot.actor.poll.remote(POLL_S))
            except Exception as exc:  # the actor died (RayActorError) or Ray went away
                if not self.closing:
                    self._lost(slot, slot.ended or f"its Ray actor died ({type(exc).__name__})")
                return
            for event in events:
                if isinstance(event, wire.Died):
                    # This actor's death, not the pool's: its runs fail here, and the manager
                    # (which would bring a whole worker back) never hears of it.
                    self.ray.kill(slot.actor)
                    if not self.closing:
                        self._lost(slot, f"its worker stopped: {event.reason}")
                    return
                self._forward(slot, event)
                if isinstance(event, wire.Bye):
                    slot.said_bye.set()
                    return
            if busy > self.watchdog_s and slot.ended is None and not self.closing:
                slot.ended = (
                    f"one slice of its training ran past the server's limit of "
                    f"{self.watchdog_s:g} s (LAYERLAB_LIMIT_WATCHDOG_S) in run {run_id}, so "
                    "its Ray actor was restarted; make the network or the batch smaller"
                )
                log.error("actor %d stuck %.1f s in run %s: ending it", slot.index, busy, run_id)
                self.ray.kill(slot.actor)

    def _forward(self, slot: Slot, event: wire.Event) -> None:
        """Hand an event to the manager; a run that ended leaves its actor's count."""
        if isinstance(event, wire.Status) and event.status in TERMINAL:
            with self.lock:
                slot.runs.discard(event.run_id)
                if self.placement.get(event.run_id) is slot:
                    del self.placement[event.run_id]
        try:
            self.on_event(self, event)
        except Exception:  # a bad event must not end the reading
            log.exception("could not apply worker event %s", getattr(event, "type", event))

    def _lost(self, slot: Slot, why: str) -> None:
        """Fail the runs of a dead actor, with the reason, and put a fresh actor in its place."""
        if self.closing:
            return  # shutting down: no fresh actor, and the runs are paused by the restart
        with self.lock:
            lost = sorted(slot.runs)
            slot.retired = True
            for run_id in lost:
                self.placement.pop(run_id, None)
            fresh = self._start(slot.index)
            self.slots[slot.index] = fresh
        log.error("Ray actor %d lost (%s); failing its %d runs", slot.index, why, len(lost))
        for run_id in lost:
            reason = (
                f"the training process of this run stopped: {why}. It was lost at its last "
                "reported step; start a new run to train again."
            )
            self._forward(slot, wire.Status(run_id=run_id, status="failed", error=reason))

    # --- the handle's side ------------------------------------------------------------

    def _slot_for(self, cmd: wire.Command) -> list[Slot]:
        """Where a command goes: its run's actor; a new run to the least loaded; else all."""
        run_id: str | None = getattr(cmd, "run_id", None)
        with self.lock:
            if isinstance(cmd, wire.Drop) and run_id in self.placement:
                slot = self.placement.pop(run_id)  # a deleted run: its actor's load goes down
                slot.runs.discard(run_id)
                return [slot]
            if run_id is not None and run_id in self.placement:
                return [self.placement[run_id]]
            if isinstance(cmd, wire.Start | wire.Probe):
                slot = min(self.slots, key=lambda s: (len(s.runs), s.index))
                if isinstance(cmd, wire.Start):
                    slot.runs.add(cmd.run_id)
                    self.placement[cmd.run_id] = slot
                return [slot]
            return list(self.slots)  # a shutdown, or a drop of weights loaded anywhere

    def send(self, cmd: wire.Command) -> None:
        """Send a command to the actor it concerns."""
        for slot in self._slot_for(cmd):
            slot.actor.send.remote(cmd)

    def placed(self) -> dict[str, int]:
        """Which actor (by place) each held run is on."""
        with self.lock:
            return {run_id: slot.index for run_id, slot in self.placement.items()}

    def actor_of(self, run_id: str) -> Any:
        """The actor holding a run (tests kill it)."""
        with self.lock:
            return self.placement[run_id].actor

    @property
    def pid(self) -> int | None:
        """The first actor's process id."""
        return int(self.ray.get(self.slots[0].actor.pid.remote()))

    def culprit(self) -> str | None:
        """A pool never reports a death of all its workers at once: no single run to blame."""
        return None

    def close(self, timeout: float = CLOSE_S) -> None:
        """Ask every actor to checkpoint and exit, end them, and Ray if this pool started it."""
        self.closing = True
        slots = list(self.slots)
        for slot in slots:
            slot.actor.send.remote(wire.Shutdown())
        deadline = time.monotonic() + timeout
        for slot in slots:
            slot.said_bye.wait(max(0.0, deadline - time.monotonic()))
            if slot.reader is not None:
                slot.reader.join(max(0.0, deadline - time.monotonic()))
        for slot in slots:
            self.ray.kill(slot.actor)
        if self.started_ray:
            self.ray.shutdown()
