"""The training worker: one process per device, time-slicing between the jobs it holds.

It talks to the server only through two queues of typed messages (`server.protocol`:
commands in, events out), so a crash, a CUDA out-of-memory or a long step never
blocks or kills the web process. It schedules jobs (`models.job.Job`), whatever
implements them.
"""

from __future__ import annotations

import ctypes
import json
import logging
import math
import os
import queue
import resource
import signal
import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from multiprocessing.queues import Queue
from pathlib import Path
from typing import cast

import torch
from pydantic import ValidationError

from models.checkpoint import load_checkpoint, load_weights, save_checkpoint
from models.cost import measure_flops, readable_bytes
from models.datasets import DatasetError
from models.device import resolve_device
from models.errors import InvalidSpecError
from models.job import Job, JobFactory, trainer_job
from models.landscape import Landscape, LandscapeOptions
from models.probes.dispatch import ProbeError
from models.probes.registry import PROBES
from models.probes.result import ProbeResult
from models.run import RunConfig
from models.train import StepResult, Trainer
from server import protocol as wire
from server.frames import plain
from server.fusion import MAX_GROUP, Fusion
from server.lifecycle import RunStatus

log = logging.getLogger("layerlab.worker")

GROUP_SLICES = 4  # a group's slice lasts this many slices (with 4 runs or more)
SPOTLIGHT = "spotlight:"  # the share key of the run a teacher shows the class
PROBE_SHARE = 0.07  # share of the worker's time probes aim at (the ceiling is 10%)
PROBE_SLACK_S = 0.25  # an asked-for probe may run this far ahead of the probe budget
PACE_BURST_S = 0.1  # a paced run takes at most this much of its pace's steps at once
LANDSCAPE = "loss_landscape"  # the probe computed a row at a time, between slices
MAX_INSPECTED = 4  # ended runs kept loaded for probes
CURVE_POINTS = 100  # a run evaluates at least this often over its max_steps, whatever its length


@dataclass(frozen=True)
class WorkerOptions:
    """What the worker needs from the server's settings (picklable)."""

    device: str
    data_dir: str
    slice_s: float = 0.05
    eval_hz: float = 2.0
    checkpoint_s: float = 5.0
    torch_threads: int = 0
    eval_samples: int = 512  # per set; a full pass over thousands of images would eat the slice
    memory_bytes: int | None = None  # the process's cap on its data (RLIMIT_DATA), CPU only
    fuse: bool = True  # runs of one network, data and optimizer step as one stacked step
    cuda_graphs: bool = True  # on CUDA, steps replayed as CUDA graphs where they can be


class Beacon:
    """Which run the worker steps now (or stepped last), in memory both processes share.

    Read by the web process when the worker dies, to tell the run that was being
    trained (it fails) from the others (they come back from their checkpoints), and
    by its watchdog, to tell a slice that runs far too long. It also carries the
    server's shutdown request, which the worker sees even in the middle of a step.
    """

    def __init__(self, ctx: BaseContext) -> None:
        self._run = ctx.Array(ctypes.c_char, 64)
        self._since = ctx.Value("d", 0.0)  # monotonic start of the slice in progress; 0: none
        self.shutdown = ctx.Event()  # set by the server: checkpoint everything and exit
        self.saved = ctx.Event()  # set by the worker: every run not in a step is checkpointed

    def set(self, run_id: str) -> None:
        """The worker starts a slice of this run."""
        self._run.value = run_id.encode()[:64]
        self._since.value = time.monotonic()

    def done(self) -> None:
        """The slice in progress has ended (the run stays named, for blame)."""
        self._since.value = 0.0

    def busy_s(self) -> float:
        """Seconds the slice in progress has run (0 when none runs)."""
        since: float = self._since.value
        return 0.0 if since == 0.0 else time.monotonic() - since

    def clear(self, run_id: str | None = None) -> None:
        """The worker steps nothing (or no longer holds `run_id`)."""
        if run_id is None or self.run_id() == run_id:
            self._run.value = b""
            self._since.value = 0.0

    def run_id(self) -> str | None:
        """The run being (or last) stepped, if the worker still holds it."""
        value: bytes = self._run.value
        return value.decode() or None


@dataclass
class HeldRun:
    """A run the worker holds: its job and how it should advance."""

    run_id: str
    job: Job
    checkpoint: Path
    running: bool = False
    pending: int = 0  # single steps asked for while paused
    step_time: float | None = None  # seconds per step, smoothed; sizes the next slice
    last_eval: float = 0.0
    last_checkpoint: float = field(default_factory=time.monotonic)
    watch: dict[str, float] = field(default_factory=dict)  # probe topic -> rate asked, Hz
    options: wire.ProbeOptions = field(default_factory=dict)  # set by viewers
    due: dict[str, float] = field(default_factory=dict)  # probe topic -> next monotonic time
    sent: dict[str, int] = field(default_factory=dict)  # probe topic -> step of its last frame

    share: str = ""  # whose time it spends: runs of one share split that share's time
    home_share: str = ""  # the share it returns to when it leaves the spotlight
    spec: str = ""  # its network, dataset and device: runs sharing them (and more) may fuse
    landscape: Landscape | None = None  # the loss slice being computed for its viewers
    credit: float = 0.0  # steps its pace allowed and it has not taken, as of credit_at
    credit_at: float = field(default_factory=time.monotonic)

    @property
    def active(self) -> bool:
        """Whether this run wants worker time now."""
        return self.running or self.pending > 0

    @property
    def pace(self) -> float:
        """Steps per second it may take while running (0: as many as it can)."""
        return self.job.config.max_steps_per_s if self.running else 0.0

    def allowance(self, now: float) -> float:
        """Steps its pace allows now (infinite when unpaced); a short burst at most."""
        if self.pace <= 0:
            return math.inf
        earned = self.credit + (now - self.credit_at) * self.pace
        return min(earned, max(1.0, self.pace * PACE_BURST_S))

    def wait_s(self, now: float) -> float:
        """Seconds until it may take a step (0: now; infinite: it wants none)."""
        if not self.active:
            return math.inf
        allowed = self.allowance(now)
        return 0.0 if allowed >= 1.0 else (1.0 - allowed) / self.pace

    def spend(self, steps: int, now: float) -> None:
        """Take steps out of what its pace allows."""
        if self.pace > 0:
            self.credit = self.allowance(now) - steps
            self.credit_at = now

    def repace(self, now: float) -> None:
        """Start its pace afresh (it resumed, or its pace changed)."""
        self.credit, self.credit_at = 0.0, now


def next_eval(job: Job) -> int:
    """The run's next evaluation step: slices end on one every max_steps / CURVE_POINTS,
    so that any run, however short or fast, has that many points on its curves."""
    every = max(1, job.config.max_steps // CURVE_POINTS)
    return (job.step_count // every + 1) * every


@dataclass
class AskedSlice:
    """A loss slice that Probe commands ask for, computed a piece per command."""

    options: wire.ProbeOptions
    step: int  # the weights' step when the slice began: it is centred on them
    landscape: Landscape


def checkpoint_name(run_id: str) -> str:
    """A run's checkpoint file, relative to the data directory."""
    return f"checkpoints/{run_id}.safetensors"


def init_name(run_id: str) -> str:
    """The weights a forked run starts from, relative to the data directory."""
    return f"checkpoints/{run_id}.init.safetensors"


def readable_error(exc: BaseException, memory_cap: int | None = None) -> str:
    """An exception in words a student understands (`memory_cap`: the worker's, if any)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return (
            "the GPU ran out of memory for this run; lower the batch size or make the "
            "network smaller (fewer channels or units), then start it again."
        )
    if isinstance(exc, MemoryError) or "DefaultCPUAllocator" in str(exc):
        cap = f" (it may use {readable_bytes(memory_cap)})" if memory_cap else ""
        return (
            f"the training process ran out of memory for this run{cap}; lower the batch size "
            "or make the network smaller (fewer channels or units), then start it again."
        )
    if isinstance(exc, InvalidSpecError):
        return "; ".join(f"{e.node or 'network'}: {e.message}" for e in exc.errors)
    if isinstance(exc, DatasetError):
        return f"dataset {exc.field}: {exc.message}"
    return f"training stopped on an error: {exc}"


def landscape_options(options: wire.ProbeOptions) -> LandscapeOptions | None:
    """The loss landscape's own options among a viewer's (None when they are not valid)."""
    try:
        return LandscapeOptions.model_validate(options)
    except ValidationError:
        return None


def payload(
    result: ProbeResult,
    step: int,
    meta: Mapping[str, object] | None = None,
    topic: str | None = None,
) -> wire.ProbePayload:
    """A probe result as it crosses the seam (numpy arrays, JSON metadata).

    Metadata becomes plain JSON first (numpy scalars, tuples, non-finite floats), so a
    probe's loose types cost nothing; what still is not JSON is that probe's error.
    """
    try:
        return wire.ProbePayload.model_validate(
            {
                "topic": topic or result.topic,
                "node": result.node,
                "step": step,
                "meta": plain({**result.meta, **(meta or {})}),
                "arrays": {name: a.numpy() for name, a in result.arrays.items()},
            }
        )
    except (ValidationError, TypeError) as exc:
        raise ProbeError(
            f"the {result.topic} probe gave an answer that is not JSON: {exc}"
        ) from exc


class Worker:
    """The worker's state and loop (runs inside the worker process)."""

    def __init__(
        self,
        options: WorkerOptions,
        commands: Queue[wire.Command] | queue.Queue[wire.Command],
        events: Queue[wire.Event] | queue.Queue[wire.Event],
        make_job: JobFactory = trainer_job,
        beacon: Beacon | None = None,
    ) -> None:
        self.options = options
        self.commands = commands
        self.events = events
        self.make_job = make_job
        self.beacon = beacon
        self.device = resolve_device(options.device)
        self.data_dir = Path(options.data_dir)
        self.runs: dict[str, HeldRun] = {}
        self.order: deque[str] = deque()
        # Seconds of training each share (a student, or a run of its own) has had: the share
        # behind the others goes next, so a student with three runs gets no more than one.
        self.served: dict[str, float] = {}
        self.fusion = Fusion(enabled=options.fuse)
        # Probes, streamed or asked for, share PROBE_SHARE of the worker's time: each one
        # moves this clock on by cost / PROBE_SHARE; an asked-for probe waits its turn.
        self.probe_clock = 0.0
        self.stopping = False
        # The loop holds `guard` except while a job steps; the shutdown saver takes it to
        # checkpoint every run but `current` while that one is in a (perhaps long) step.
        self.guard = threading.Lock()
        self.current: str | None = None
        self.saved_on_shutdown: set[str] = set()
        # Ended runs loaded from their checkpoints to answer probes, least recent first.
        self.inspected: OrderedDict[str, Job] = OrderedDict()
        # Loss slices asked for by Probe commands, a piece per command, least recent first.
        self.pieces: OrderedDict[str, AskedSlice] = OrderedDict()

    def emit(self, event: wire.Event) -> None:
        """Send an event to the server."""
        self.events.put(event)

    def status(self, run: HeldRun | str, status: RunStatus, error: str | None = None) -> None:
        """Tell the server a run's new status."""
        run_id = run if isinstance(run, str) else run.run_id
        step = None if isinstance(run, str) else run.job.step_count
        self.emit(wire.Status(run_id=run_id, status=status, error=error, step=step))

    # --- commands -------------------------------------------------------

    def handle(self, cmd: wire.Command) -> None:
        """Apply one command from the server."""
        match cmd:
            case wire.Shutdown():
                self.shut_down()
            case wire.Start():
                self.start(cmd)
            case wire.Probe():
                self.probe(cmd)
            case (
                wire.Pause()
                | wire.Resume()
                | wire.Step()
                | wire.Stop()
                | wire.Update()
                | wire.Drop()
                | wire.Watch()
                | wire.Spotlight()
            ):
                run = self.runs.get(cmd.run_id)
                if isinstance(cmd, wire.Drop):
                    self.inspected.pop(cmd.run_id, None)
                    self.pieces.pop(cmd.run_id, None)
                if run is not None:
                    self.control(run, cmd)
                elif not isinstance(cmd, wire.Drop):  # a deleted ended run: nothing held
                    self.emit(wire.UnknownRun(run_id=cmd.run_id, command=cmd.type))
            case _:
                self.emit(
                    wire.Rejected(
                        command=wire.describe(cmd), error=wire.unhandled(cmd, "the worker")
                    )
                )

    def shut_down(self) -> None:
        """Checkpoint every run not yet saved for the shutdown, then leave the loop."""
        for held in list(self.runs.values()):
            if held.run_id not in self.saved_on_shutdown:
                self.save(held)
        self.stopping = True

    def save_on_shutdown(self, beacon: Beacon) -> None:
        """Thread: once the server asks to shut down, checkpoint all runs but the one stepping.

        A step can take seconds; the others need not wait for it to be saved, and the
        server need not wait for it to exit (the stepping run loses that step at most).
        """
        beacon.shutdown.wait()
        with self.guard:
            if self.current is None:
                return  # between slices: the loop sees the request now and exits by itself
            for held in list(self.runs.values()):
                if held.run_id != self.current:
                    self.save(held)
                    self.saved_on_shutdown.add(held.run_id)
        beacon.saved.set()

    @contextmanager
    def unguarded(self, run: HeldRun, *, release: bool = True) -> Iterator[None]:
        """Step `run` without the guard (the shutdown saver may save the others meanwhile);
        with `release` False, named as the one stepping but with the guard kept."""
        self.current = run.run_id
        if self.beacon is not None:
            self.beacon.set(run.run_id)
        # Only this thread takes the guard outside shutdown, so held means held by the loop
        # (a slice called on its own, as tests and benchmarks do, holds nothing to release).
        held = release and self.guard.locked()
        if held:
            self.guard.release()
        try:
            yield
        finally:
            if held:
                self.guard.acquire()
            self.current = None
            if self.beacon is not None:
                self.beacon.done()

    def control(self, run: HeldRun, cmd: wire.RunCommand) -> None:
        """Apply a command about a run this worker holds."""
        match cmd:
            case wire.Pause():
                run.running, run.pending = False, 0
                self.save(run)
                self.status(run, "paused")
            case wire.Resume():
                run.running = True
                run.repace(time.monotonic())
                self.status(run, "running")
            case wire.Step():
                run.running = False
                run.pending += cmd.n
            case wire.Stop():
                self.save(run)
                self.drop(run.run_id)
                self.status(run, "stopped")
            case wire.Update():
                self.fusion.release(run.run_id)  # a new batch size or optimizer: other peers
                try:
                    config = run.job.update(**cmd.changes.changes())
                except ValueError as exc:
                    self.emit(wire.UpdateFailed(run_id=run.run_id, error=str(exc)))
                else:
                    run.repace(time.monotonic())
                    self.emit(wire.Updated(run_id=run.run_id, training=config))
            case wire.Drop():
                # Deleted: a checkpoint written since the delete was sent (a pause just
                # before it) goes too. The worker writes checkpoints, so it removes them.
                self.drop(run.run_id)
                run.checkpoint.unlink(missing_ok=True)
            case wire.Spotlight():
                self.spotlight(run, cmd.on)
            case wire.Watch():
                if LANDSCAPE not in cmd.topics or landscape_options(
                    cmd.options
                ) != landscape_options(run.options):
                    run.landscape = None  # nobody watches it, or it is asked anew: start over
                run.watch = dict(cmd.topics)
                # New options (a larger scene, another sample) are drawn now, not after the
                # interval the old ones had earned.
                fresh = cmd.options != run.options
                run.options = cmd.options
                run.due = {t: 0.0 if fresh else run.due.get(t, 0.0) for t in run.watch}
                run.sent.clear()  # a new viewer gets a frame even of a paused model
            case _:
                self.emit(
                    wire.Rejected(
                        command=wire.describe(cmd), error=wire.unhandled(cmd, "the worker")
                    )
                )

    def probe(self, cmd: wire.Probe) -> None:
        """Compute one probe on a held run, or an ended one's saved weights; answer it."""
        run = self.runs.get(cmd.run_id)
        if run is None and cmd.config is None:
            self.emit(
                wire.ProbeAnswer(
                    request_id=cmd.request_id,
                    run_id=cmd.run_id,
                    error="the run is not loaded and no saved weights were named",
                )
            )
            return
        wait = self.probe_clock - time.monotonic()
        if wait > PROBE_SLACK_S:
            answer = wire.ProbeAnswer(
                request_id=cmd.request_id, run_id=cmd.run_id, retry_after_s=round(wait, 3)
            )
            self.emit(answer)
            return
        started = time.perf_counter()
        more = False
        try:
            job = run.job if run is not None else self.inspect(cmd.run_id, cmd.config)
            if cmd.topic == LANDSCAPE:
                piece, step, more = self.landscape_piece(cmd.run_id, job, cmd.options)
                result = payload(piece, step)
            else:
                result = payload(job.probe(cmd.topic, cmd.node, cmd.options), job.step_count)
        except (ProbeError, ValidationError, ValueError) as exc:
            self.pieces.pop(cmd.run_id, None)
            answer = wire.ProbeAnswer(request_id=cmd.request_id, run_id=cmd.run_id, error=str(exc))
        else:
            answer = wire.ProbeAnswer(
                request_id=cmd.request_id, run_id=cmd.run_id, probe=result, more=more
            )
        self.spend_probe_time(time.perf_counter() - started)
        self.emit(answer)

    def landscape_piece(
        self, run_id: str, job: Job, options: wire.ProbeOptions
    ) -> tuple[ProbeResult, int, bool]:
        """About one time slice more of an asked-for loss slice: the slice so far, its step,
        and whether rows are left (the asker comes back for them, so that training goes on
        in between instead of waiting for the whole grid)."""
        asked = self.pieces.pop(run_id, None)
        if asked is None or asked.options != options:
            landscape = job.landscape(LandscapeOptions.model_validate(options))
            asked = AskedSlice(dict(options), job.step_count, landscape)
        asked.landscape.advance(self.options.slice_s)
        if not asked.landscape.done:
            self.pieces[run_id] = asked  # most recent last
            while len(self.pieces) > MAX_INSPECTED:
                self.pieces.popitem(last=False)
        return asked.landscape.result(), asked.step, not asked.landscape.done

    def inspect(self, run_id: str, config: RunConfig | None) -> Job:
        """An ended run's job, from its checkpoint, kept for the next probes (a few runs)."""
        job = self.inspected.pop(run_id, None)
        if job is None:
            if config is None:
                raise ProbeError("the run is not loaded and no saved weights were named")
            path = self.data_dir / checkpoint_name(run_id)
            if not path.exists():
                raise ProbeError(
                    f"the run's saved weights ({checkpoint_name(run_id)}) are missing, so "
                    "there is nothing to probe"
                )
            try:
                job = self.make_job(
                    config,
                    data_dir=self.data_dir,
                    device=self.device,
                    eval_samples=self.options.eval_samples,
                )
                load_checkpoint(job, path)
            except Exception as exc:  # a run that cannot be rebuilt cannot be probed
                log.warning("run %s could not be loaded for probes: %s", run_id, exc)
                raise ProbeError(
                    f"the run's saved weights could not be loaded: {readable_error(exc)}"
                ) from exc
        self.inspected[run_id] = job  # most recent last
        while len(self.inspected) > MAX_INSPECTED:
            self.inspected.popitem(last=False)
        return job

    def spend_probe_time(self, cost: float) -> None:
        """Move the shared probe clock on by what a probe cost."""
        self.probe_clock = max(self.probe_clock, time.monotonic()) + cost / PROBE_SHARE

    def start(self, cmd: wire.Start) -> None:
        """Load a run's job (from its checkpoint when resuming) and set it going."""
        run_id = cmd.run_id
        self.inspected.pop(run_id, None)  # it trains again: its saved weights will change
        self.pieces.pop(run_id, None)
        if run_id in self.runs:
            self.runs[run_id].running = not cmd.paused
            return
        path = self.data_dir / checkpoint_name(run_id)
        if cmd.resume and not path.exists():
            # Starting again from step 0 would pass for a resume: say what happened instead.
            self.status(
                run_id,
                "failed",
                f"its checkpoint ({checkpoint_name(run_id)}) is missing from the data "
                "directory, so it cannot resume; start a new run to train again",
            )
            return
        # Named while it loads: a worker that dies (or hangs) now dies of this run.
        if self.beacon is not None:
            self.beacon.set(run_id)
        try:
            job = self.make_job(
                cmd.config,
                data_dir=self.data_dir,
                device=self.device,
                eval_samples=self.options.eval_samples,
            )
            if isinstance(job, Trainer) and not self.options.cuda_graphs:
                job.use_cuda_graphs(False)
            note = getattr(job, "graph_note", None)
            if self.device.type == "cuda" and note is not None:
                log.info("run %s steps eagerly, not as a CUDA graph: %s", run_id, note)
            if cmd.resume:
                load_checkpoint(job, path)
            elif cmd.init_weights is not None:
                load_weights(job, self.data_dir / cmd.init_weights)
            # The curves start at step 0: the untrained network's loss and accuracy.
            first = None if cmd.resume else job.step(0, evaluate=True).metrics
        except Exception as exc:  # any failure to set up fails this run only
            log.warning("run %s failed to start: %s", run_id, traceback.format_exc())
            self.status(run_id, "failed", readable_error(exc, self.options.memory_bytes))
            return
        finally:
            if self.beacon is not None:
                self.beacon.done()
        share = cmd.share or run_id
        run = HeldRun(run_id, job, path, running=not cmd.paused, share=share, home_share=share)
        run.spec = json.dumps(
            [
                cmd.config.network.model_dump(mode="json"),
                cmd.config.dataset.model_dump(mode="json"),
                cmd.config.device,
            ],
            sort_keys=True,
        )
        self.level(run.share)
        run.watch = dict(cmd.watch)
        run.options = cmd.options
        run.pending = cmd.steps
        self.runs[run_id] = run
        self.order.append(run_id)
        if first is not None:
            self.emit(wire.Metrics(run_id=run_id, rows=[first]))
            self.save(run)  # from the first step on, a crash loses at most checkpoint_s
        self.status(run, "running" if run.running else "paused")

    def drop(self, run_id: str) -> None:
        """Forget a run and free its memory."""
        self.fusion.release(run_id)
        if self.beacon is not None:
            self.beacon.clear(run_id)
        gone = self.runs.pop(run_id, None)
        if run_id in self.order:
            self.order.remove(run_id)
        if gone is not None and all(r.share != gone.share for r in self.runs.values()):
            self.served.pop(gone.share, None)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def save(self, run: HeldRun) -> None:
        """Checkpoint a run and tell the server where."""
        if run.job.diverged is not None:
            return  # NaN weights are not worth resuming from
        # Out of its group first: its optimizer state must be its own to be saved.
        self.fusion.release(run.run_id)
        save_checkpoint(run.job, run.checkpoint)
        run.last_checkpoint = time.monotonic()
        self.emit(
            wire.Checkpoint(
                run_id=run.run_id,
                checkpoint=checkpoint_name(run.run_id),
                step=run.job.step_count,
            )
        )

    # --- training -------------------------------------------------------

    def stream_probes(self, run: HeldRun, *, idle: bool = False) -> None:
        """Compute the watched probes that are due, keeping probe time near PROBE_SHARE.

        A probe costing c seconds is next due after max(1/hz, c * k / PROBE_SHARE),
        k the number of watched topics over all runs: together they then take at most
        about PROBE_SHARE of the worker's time. A slowed topic says so in its frame.
        """
        now = time.monotonic()
        # Only the topics of runs that move cost anything: a paused run's views are drawn
        # once and then wait, and must not stretch the intervals of the runs that train.
        watched = sum(len(r.watch) for r in self.runs.values() if r.active or r is run)
        for topic, hz in list(run.watch.items()):
            if topic == LANDSCAPE:
                self.landscape_row(run, idle=idle)
                continue
            if now < run.due.get(topic, 0.0):
                continue
            step = run.job.step_count
            if idle and run.sent.get(topic) == step:
                continue  # nothing changed since the last frame
            if topic in run.sent and topic in PROBES and PROBES[topic].static:
                continue  # of the data alone: its viewers have it (a new one clears `sent`)
            started = time.perf_counter()
            try:
                result = run.job.probe(topic, None, run.options)
            except ProbeError as exc:
                run.watch.pop(topic, None)
                self.emit(wire.ProbeStopped(run_id=run.run_id, topic=topic, error=str(exc)))
                continue
            except Exception as exc:  # a probe's own failure stops that probe, not the run
                log.warning("probe %s of run %s failed: %s", topic, run.run_id, exc, exc_info=True)
                run.watch.pop(topic, None)
                error = f"the {topic} view failed: {readable_error(exc)}"
                self.emit(wire.ProbeStopped(run_id=run.run_id, topic=topic, error=error))
                continue
            cost = time.perf_counter() - started
            self.spend_probe_time(cost)
            interval = max(1.0 / hz, cost * watched / PROBE_SHARE)
            run.due[topic] = now + interval
            rate = {
                "requested_hz": hz,
                "rate_hz": 1.0 / interval,
                "throttled": interval > 1.0 / hz * 1.01,
                "probe_ms": cost * 1000,
            }
            run.sent[topic] = step
            try:
                frame = payload(result, step, rate, topic)
            except ProbeError as exc:
                run.watch.pop(topic, None)
                self.emit(wire.ProbeStopped(run_id=run.run_id, topic=topic, error=str(exc)))
                continue
            self.emit(wire.ProbeFrame(run_id=run.run_id, probe=frame))

    def landscape_row(self, run: HeldRun, *, idle: bool) -> None:
        """About one time slice more of the run's loss slice, within the probe budget.

        A slice takes many such pieces; each is a frame (the grid so far, NaN where
        not yet computed), so viewers watch it fill in while training goes on between
        them, never held up by more than one time slice. Idle, it takes no turns.
        """
        if run.landscape is not None and run.landscape.done:
            return
        if not idle and self.probe_clock - time.monotonic() > PROBE_SLACK_S:
            return
        started = time.perf_counter()
        try:
            if run.landscape is None:
                options = LandscapeOptions.model_validate(run.options)
                run.landscape = run.job.landscape(options)
            run.landscape.advance(self.options.slice_s)
            result = run.landscape.result()
            frame = payload(result, run.job.step_count, {"probe_ms": 0.0}, LANDSCAPE)
        except (ProbeError, ValidationError, ValueError, RuntimeError) as exc:
            run.watch.pop(LANDSCAPE, None)
            run.landscape = None
            self.emit(wire.ProbeStopped(run_id=run.run_id, topic=LANDSCAPE, error=str(exc)))
            return
        cost = time.perf_counter() - started
        self.spend_probe_time(cost)
        frame.meta["probe_ms"] = cost * 1000
        self.emit(wire.ProbeFrame(run_id=run.run_id, probe=frame))

    def landscape_pending(self) -> bool:
        """Whether a watched loss slice still has rows to compute."""
        return any(
            LANDSCAPE in r.watch and (r.landscape is None or not r.landscape.done)
            for r in self.runs.values()
        )

    def level(self, share: str) -> None:
        """Enter a share level with the least served, not with a debt others must wait out."""
        if share not in self.served:
            self.served[share] = min(self.served.values(), default=0.0)

    def weight(self, share: str) -> float:
        """How many shares' worth of time a share gets: the spotlight's, about a quarter."""
        if not share.startswith(SPOTLIGHT):
            return 1.0
        return max(1.0, (len(self.served) - 1) / 3)

    def spotlight(self, run: HeldRun, on: bool) -> None:
        """Move a run into a share of its own with a large weight, or back to its home share."""
        share = f"{SPOTLIGHT}{run.run_id}" if on else run.home_share
        if share == run.share:
            return
        before, run.share = run.share, share
        self.level(share)
        if all(r.share != before for r in self.runs.values()):
            self.served.pop(before, None)

    def next_run(self) -> HeldRun | None:
        """The next run that may step now: of the least served share, round robin within it."""
        now = time.monotonic()
        ready = [run_id for run_id in self.order if self.runs[run_id].wait_s(now) == 0.0]
        if not ready:
            return None
        # min keeps the first of equals, and the pick goes to the back: round robin on ties.
        pick = min(ready, key=lambda run_id: self.served.get(self.runs[run_id].share, 0.0))
        self.order.remove(pick)
        self.order.append(pick)
        return self.runs[pick]

    def wait_s(self) -> float:
        """Seconds until some run may step (infinite when none wants to), or a slice row."""
        now = time.monotonic()
        wait = min((run.wait_s(now) for run in self.runs.values()), default=math.inf)
        return 0.0 if wait > 0 and self.landscape_pending() else wait

    def slice(self, run: HeldRun) -> None:
        """Advance a run for about one time slice, with the runs that may step with it now."""
        now = time.monotonic()
        key = self.fusion.key(run.job, run.spec) if run.running else None
        # A partner's share may not be ahead of this one's (the least served) by more than
        # a slice: a student with three runs still gets a student's time, grouped or not.
        level = self.served.get(run.share, 0.0) + self.options.slice_s
        partners = (
            []
            if key is None
            else [
                other
                for other in self.runs.values()
                if other is not run
                and other.running
                and other.wait_s(now) == 0.0
                and self.served.get(other.share, 0.0) <= level
                and self.fusion.key(other.job, other.spec) == key
            ][: MAX_GROUP - 1]
        )
        if key is None or not partners:
            self.fusion.release(run.run_id)
            self.slice_alone(run, now)
        else:
            self.slice_together([run, *partners], key, now)

    def steps_for(self, run: HeldRun, now: float, seconds: float) -> int:
        """How many steps a run's slice takes: about `seconds` of them, within its pace, its
        single steps asked for, its length and its next evaluation step."""
        job = run.job
        max_steps = job.config.max_steps
        # A run's first slice is one step: its cost is unknown, and may be seconds.
        n = 1 if run.step_time is None else max(1, int(seconds / run.step_time))
        if not run.running:
            n = min(n, run.pending)
        n = min(n, int(min(run.allowance(now), max_steps)))
        return max(1, min(n, max_steps - job.step_count, next_eval(job) - job.step_count))

    def evaluates(self, run: HeldRun, n: int) -> bool:
        """Whether a slice of n steps ends with an evaluation of the run."""
        job = run.job
        # Also timed by the run's own training time, not the clock: with many runs sharing
        # the worker, each run's slices come seconds apart and would otherwise all evaluate.
        return (
            job.step_count + n >= job.config.max_steps
            or not run.running
            or job.step_count + n >= next_eval(job)
            or job.wall_s - run.last_eval >= 1.0 / self.options.eval_hz
        )

    def serve(self, run: HeldRun, seconds: float) -> None:
        """Count training time against the run's share."""
        if run.share in self.served:
            self.served[run.share] += seconds / self.weight(run.share)

    def slice_alone(self, run: HeldRun, now: float) -> None:
        """One run's slice, stepped on its own."""
        n = self.steps_for(run, now, self.options.slice_s)
        run.spend(n, now)
        evaluate = self.evaluates(run, n)
        started = time.monotonic()
        try:
            with self.unguarded(run):
                result: StepResult = run.job.step(n, evaluate=evaluate)
        except Exception as exc:  # OOM or a bug: this run fails, the others go on
            log.warning("run %s failed: %s", run.run_id, traceback.format_exc())
            self.drop(run.run_id)
            self.status(run, "failed", readable_error(exc, self.options.memory_bytes))
            return
        self.serve(run, time.monotonic() - started)
        self.conclude(run, result, n, evaluate)

    def slice_together(self, runs: list[HeldRun], key: str, now: float) -> None:
        """Runs of one network, data and optimizer stepped as one stacked step."""
        # Longer slices for a group: each slice is a metrics row per member, and forty rows
        # every slice would keep the web process busy storing and streaming them.
        seconds = self.options.slice_s * min(len(runs), GROUP_SLICES)
        n = min(self.steps_for(run, now, seconds) for run in runs)
        for run in runs:
            run.spend(n, now)
        flags = [self.evaluates(run, n) for run in runs]
        members = [(run.run_id, cast(Trainer, run.job)) for run in runs]
        started = time.monotonic()
        try:
            # The guard stays held: the shutdown saver must not save a member mid-step.
            with self.unguarded(runs[0], release=False):
                results = self.fusion.step(members, key, n, flags)
        except Exception as exc:  # OOM or a bug: the group's runs fail, the others go on
            log.warning("group of %d runs failed: %s", len(runs), traceback.format_exc())
            reason = readable_error(exc, self.options.memory_bytes)
            for run in runs:
                self.fusion.forget(run.run_id)
                self.drop(run.run_id)
                self.status(run, "failed", reason)
            return
        share = (time.monotonic() - started) / len(runs)
        for run in runs:
            self.serve(run, share)
        for run, result, evaluate in zip(runs, results, flags, strict=True):
            self.conclude(run, result, n, evaluate)

    def conclude(self, run: HeldRun, result: StepResult, n: int, evaluate: bool) -> None:
        """After a run's slice: its metrics row, and its end, pause, probes or checkpoint."""
        job = run.job
        if evaluate:
            run.last_eval = job.wall_s
        speed = result.metrics.steps_per_s
        if speed > 0 and math.isfinite(speed):
            last = 1.0 / speed
            run.step_time = last if run.step_time is None else 0.7 * run.step_time + 0.3 * last
        self.emit(wire.Metrics(run_id=run.run_id, rows=[result.metrics]))
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
                self.save(run)  # it pauses, and a pause checkpoints
                self.status(run, "paused")
        if run.watch:
            self.stream_probes(run)
        # Saved when the next slice would pass the interval, so a crash never loses more.
        since = time.monotonic() - run.last_checkpoint
        if since + self.options.slice_s >= self.options.checkpoint_s:
            self.save(run)

    def loop(self) -> None:
        """Serve commands and train until told to shut down (or orphaned)."""
        parent = os.getppid()
        speed = measure_flops(self.device)
        self.emit(wire.Ready(pid=os.getpid(), device=str(self.device), flops_per_s=speed))
        if self.beacon is not None:
            saver = threading.Thread(
                target=self.save_on_shutdown, args=(self.beacon,), daemon=True, name="saver"
            )
            saver.start()
        while not self.stopping:
            wait = self.wait_s()
            try:
                # Idle or paced: wait for work or a step's turn, waking now and then to
                # notice a dead server.
                if wait == 0:
                    cmd = self.commands.get_nowait()
                else:
                    cmd = self.commands.get(timeout=min(wait, 0.25))
            except queue.Empty:
                cmd = None
            with self.guard:
                if cmd is not None:
                    self.handle(cmd)
                    continue  # drain every waiting command before training again
                if self.beacon is not None and self.beacon.shutdown.is_set():
                    self.shut_down()  # after the commands sent before it (a stop, say)
                    break
                if os.getppid() != parent:
                    break
                self.train_or_idle()
        self.emit(wire.Bye())

    def train_or_idle(self) -> None:
        """Give the next active run a slice; with none, serve paused runs' viewers."""
        run = self.next_run()
        if run is not None:
            self.slice(run)
            return
        if self.beacon is not None:
            self.beacon.clear()  # training nothing: a death now is no run's doing
        for held in list(self.runs.values()):
            if held.watch:  # paused runs: frames for new viewers and after single steps
                self.stream_probes(held, idle=True)


def cap_memory(options: WorkerOptions) -> None:
    """Cap this process's data (RLIMIT_DATA) on CPU, so an allocation past it fails that run.

    Without a cap, a step that needs more memory than the machine has ends with the
    kernel killing the whole worker (every run in it). With one, the allocation fails
    with an error inside that run's step. CUDA maps device memory into the process and
    reports its own out-of-memory per run, so the cap applies to CPU workers only.
    """
    if options.memory_bytes is None or resolve_device(options.device).type != "cpu":
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = options.memory_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    log.info("worker memory capped at %s", readable_bytes(cap))


def worker_main(
    options: WorkerOptions,
    commands: Queue[wire.Command],
    events: Queue[wire.Event],
    beacon: Beacon | None = None,
) -> None:
    """Entry point of the worker process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    # Ctrl-C (or a service manager) signals the whole process group; the server then asks
    # this process to checkpoint and exit, which a signal arriving here first would prevent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    cap_memory(options)
    threads = options.torch_threads or max(1, min(4, (os.cpu_count() or 2) // 2))
    torch.set_num_threads(threads)
    # The first optimizer imports much of torch (seconds); pay that before saying ready.
    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
    Worker(options, commands, events, beacon=beacon).loop()
