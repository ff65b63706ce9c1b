"""The worker's loop, in-process: time slicing, controls, and failures confined to one run."""

from __future__ import annotations

import dataclasses
import math
import queue
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from models.optim import TrainingPatch
from models.presets import PRESETS
from models.probes.registry import PROBES
from models.run import RunConfig
from models.train import Trainer
from server import protocol as wire
from server.worker import PROBE_SHARE, Worker, WorkerOptions
from tests.server.conftest import spiral_run

NODE_TOPICS = [name for name, entry in PROBES.items() if entry.scope == "node"]


def make_worker(
    tmp_path: Path, *, fuse: bool = False
) -> tuple[Worker, queue.Queue[wire.Command], queue.Queue[wire.Event]]:
    """A worker in this process; runs step alone unless `fuse` (tests/server/test_fusion.py)."""
    commands: queue.Queue[wire.Command] = queue.Queue()
    events: queue.Queue[wire.Event] = queue.Queue()
    options = WorkerOptions(
        device="cpu", data_dir=str(tmp_path), slice_s=0.01, eval_hz=5, checkpoint_s=60, fuse=fuse
    )
    return Worker(options, commands, events), commands, events  # type: ignore[arg-type]


def drain(events: queue.Queue[wire.Event]) -> list[wire.Event]:
    out = []
    while not events.empty():
        out.append(events.get_nowait())
    return out


def start(worker: Worker, run_id: str, training: dict[str, Any] | None = None, **kw: Any) -> None:
    config = RunConfig.model_validate(spiral_run(max_steps=100_000, **(training or {})))
    worker.handle(wire.Start(run_id=run_id, config=config, **kw))


def spin(worker: Worker, slices: int) -> None:
    for _ in range(slices):
        run = worker.next_run()
        if run is None:
            return
        worker.slice(run)


def test_ten_runs_all_progress(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    for i in range(10):
        start(worker, f"r{i}")
    spin(worker, 40)
    assert all(run.job.step_count > 0 for run in worker.runs.values())
    statuses = [e for e in drain(events) if isinstance(e, wire.Status)]
    assert {e.run_id for e in statuses if e.status == "running"} == {f"r{i}" for i in range(10)}


def test_time_is_shared_fairly_by_students_not_by_runs(tmp_path: Path) -> None:
    worker, _, _ = make_worker(tmp_path)
    # One student with three runs, two students with one each, and a run outside a class.
    for i in range(3):
        start(worker, f"ann{i}", share="member:ann")
    start(worker, "bo", share="member:bo")
    start(worker, "cy", share="member:cy")
    start(worker, "solo")
    spin(worker, 240)
    served = {share: worker.served[share] for share in ("member:ann", "member:bo", "member:cy")}
    served["solo"] = worker.served["solo"]
    # Each share's training time within 1.5x of every other's (by runs it would be 3x for ann).
    assert max(served.values()) < 1.5 * min(served.values()), served
    anns = [worker.runs[f"ann{i}"].job.step_count for i in range(3)]
    assert all(n > 0 for n in anns)  # and within a share, every run progresses
    assert sum(anns) < 2 * worker.runs["bo"].job.step_count
    # A share that leaves is forgotten; one that comes starts level with the least served.
    worker.handle(wire.Stop(run_id="bo"))
    assert "member:bo" not in worker.served
    start(worker, "di", share="member:di")
    assert worker.served["member:di"] == min(
        v for k, v in worker.served.items() if k != "member:di"
    )


def test_the_spotlit_run_gets_about_a_quarter_of_the_worker_and_leaves_it_cleanly(
    tmp_path: Path,
) -> None:
    worker, _, _ = make_worker(tmp_path)
    for i in range(9):
        start(worker, f"s{i}", share=f"member:{i}")
    spin(worker, 30)
    before = {run_id: run.job.step_count for run_id, run in worker.runs.items()}
    worker.handle(wire.Spotlight(run_id="s4", on=True))
    assert worker.runs["s4"].share == "spotlight:s4" and "member:4" not in worker.served
    spin(worker, 240)
    gained = {run_id: run.job.step_count - before[run_id] for run_id, run in worker.runs.items()}
    others = [n for run_id, n in gained.items() if run_id != "s4"]
    assert min(others) > 0  # the rest of the class still trains
    # A quarter of the time against an eighth for each of the others, in equal runs: ~2.7x.
    assert gained["s4"] > 1.8 * sum(others) / len(others), gained
    worker.handle(wire.Spotlight(run_id="s4", on=False))
    assert worker.runs["s4"].share == "member:4" and "spotlight:s4" not in worker.served


def test_pause_step_resume_stop(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "a", {"optimizer": "sgd", "momentum": 0.9})
    spin(worker, 3)
    worker.handle(wire.Pause(run_id="a"))
    step = worker.runs["a"].job.step_count
    spin(worker, 5)
    assert worker.runs["a"].job.step_count == step  # a pause takes effect at once
    assert (tmp_path / "checkpoints" / "a.safetensors").exists()
    worker.handle(wire.Step(run_id="a", n=5))
    spin(worker, 10)
    assert worker.runs["a"].job.step_count == step + 5
    kinds = [(e.type, getattr(e, "status", None)) for e in drain(events)]
    assert ("status", "paused") in kinds and ("checkpoint", None) in kinds
    worker.handle(wire.Update(run_id="a", changes=TrainingPatch(lr=0.5)))
    assert worker.runs["a"].job.config.lr == 0.5
    # A change each field accepts but the optimizer refuses as a whole: nesterov without momentum.
    worker.handle(wire.Update(run_id="a", changes=TrainingPatch(nesterov=True, momentum=0.0)))
    assert [type(e) for e in drain(events)] == [wire.Updated, wire.UpdateFailed]
    worker.handle(wire.Stop(run_id="a"))
    assert "a" not in worker.runs
    last = drain(events)[-1]
    assert isinstance(last, wire.Status) and last.status == "stopped"
    worker.handle(wire.Pause(run_id="a"))
    assert drain(events) == [wire.UnknownRun(run_id="a", command="pause")]


def test_out_of_memory_fails_only_that_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "big")
    start(worker, "small")

    def explode(*args: Any, **kwargs: Any) -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(worker.runs["big"].job, "step", explode)
    spin(worker, 6)
    failed = [e for e in drain(events) if isinstance(e, wire.Status) and e.status == "failed"]
    assert [e.run_id for e in failed] == ["big"]
    error = failed[0].error or ""
    assert "ran out of memory" in error and "batch size" in error
    assert "big" not in worker.runs and worker.runs["small"].job.step_count > 0


def test_a_run_that_cannot_load_fails_with_the_reason(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    config = spiral_run()
    config["dataset"] = {"name": "mnist", "params": {}}
    worker.handle(wire.Start(run_id="m", config=RunConfig.model_validate(config)))
    (event,) = drain(events)
    assert (
        isinstance(event, wire.Status)
        and event.status == "failed"
        and "MNIST" in (event.error or "")
    )


def test_resume_loads_the_checkpoint(tmp_path: Path) -> None:
    worker, _, _ = make_worker(tmp_path)
    start(worker, "a")
    spin(worker, 3)
    worker.handle(wire.Stop(run_id="a"))
    worker2, _, _ = make_worker(tmp_path)
    start(worker2, "a", resume=True, paused=True)
    held = worker2.runs["a"]
    assert held.job.step_count > 0 and not held.active


def test_streaming_every_probe_leaves_training_bit_identical(tmp_path: Path) -> None:
    """100 steps with every probe of every node watched give the same weights as none."""
    body = {
        "network": PRESETS["digits-cnn"]["run"]["network"],
        "dataset": {"name": "digits"},
        "training": {"max_steps": 100, "seed": 5, "batch_size": 16},
    }
    nodes = [n["id"] for n in body["network"]["nodes"]]
    topics = {f"{name}:{node}": 1000.0 for name in NODE_TOPICS for node in nodes}
    topics |= {"predictions": 1000.0, "confusion": 1000.0}
    finals = []
    for watch in ({}, topics):
        worker, _, events = make_worker(tmp_path / str(len(watch)))
        worker.handle(wire.Start(run_id="r", config=RunConfig.model_validate(body), watch=watch))
        job = worker.runs["r"].job
        while "r" in worker.runs:
            run = worker.next_run()
            assert run is not None
            run.due.clear()  # every probe due at every slice
            worker.slice(run)
        kinds = [type(e) for e in drain(events)]
        assert (wire.ProbeFrame in kinds) == bool(watch)
        assert isinstance(job, Trainer)
        finals.append(job.model.state_dict())
    for a, b in zip(finals[0].values(), finals[1].values(), strict=True):
        assert torch.equal(a, b)


def test_a_run_checkpoints_as_it_starts_and_a_missing_checkpoint_is_said(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "a")
    assert (tmp_path / "checkpoints" / "a.safetensors").exists()
    saved = [e for e in drain(events) if isinstance(e, wire.Checkpoint)]
    assert [e.step for e in saved] == [0]
    start(worker, "gone", resume=True)  # resumed, but its file is not there
    (event,) = drain(events)
    assert isinstance(event, wire.Status) and event.status == "failed"
    assert "checkpoint" in (event.error or "") and "missing" in (event.error or "")
    assert "gone" not in worker.runs


def test_asked_for_probes_share_the_probe_budget(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    body = {"network": PRESETS["digits-cnn"]["run"]["network"], "dataset": {"name": "digits"}}
    worker.handle(wire.Start(run_id="r", config=RunConfig.model_validate(body), paused=True))
    drain(events)
    for i in range(40):  # a burst, faster than 7% of the worker's time can serve
        worker.handle(wire.Probe(request_id=str(i), run_id="r", topic="erf:c1"))
    answers = [e for e in drain(events) if isinstance(e, wire.ProbeAnswer)]
    served = [a for a in answers if a.probe is not None]
    waiting = [a for a in answers if a.retry_after_s is not None]
    assert len(answers) == 40 and served and waiting
    assert len(served) < 20 and all(a.retry_after_s and a.retry_after_s > 0 for a in waiting)
    assert all(a.error is None for a in waiting)


def _rows(events: list[wire.Event], run_id: str) -> list[Any]:
    return [r for e in events if isinstance(e, wire.Metrics) and e.run_id == run_id for r in e.rows]


def test_a_short_fast_run_still_has_a_hundred_evaluated_points_from_step_0(
    tmp_path: Path,
) -> None:
    worker, _, events = make_worker(tmp_path)
    config = RunConfig.model_validate(spiral_run(max_steps=2000))
    worker.handle(wire.Start(run_id="a", config=config))
    while "a" in worker.runs:
        spin(worker, 1)
    rows = _rows(drain(events), "a")
    evaluated = [r.step for r in rows if r.test_acc is not None]
    assert evaluated[0] == 0 and rows[0].test_loss is not None  # the untrained network
    assert len(evaluated) >= 100 and evaluated[-1] == 2000
    assert len({r.step for r in rows if r.train_loss is not None}) >= 100


def test_a_paced_run_takes_its_steps_per_second_and_the_pace_changes_live(
    tmp_path: Path,
) -> None:
    worker, _, _ = make_worker(tmp_path)
    start(worker, "a", {"max_steps_per_s": 50})
    start(worker, "b")  # unpaced: it takes the time the paced run leaves
    began = time.monotonic()
    while time.monotonic() - began < 1.0:
        run = worker.next_run()
        if run is None:
            time.sleep(min(worker.wait_s(), 0.05))
        else:
            worker.slice(run)
    a, b = worker.runs["a"].job.step_count, worker.runs["b"].job.step_count
    # At most 50 steps in the second, plus a burst; fewer only when the machine is loaded.
    assert 25 <= a <= 60, a
    assert b > a  # the unpaced run is not held to it
    worker.handle(wire.Update(run_id="a", changes=TrainingPatch(max_steps_per_s=0)))
    assert worker.runs["a"].allowance(time.monotonic()) == math.inf
    spin(worker, 20)  # back to back: paced, it would be due only once or twice in these
    assert worker.runs["a"].job.step_count >= a + 10


def test_a_watched_loss_slice_fills_in_piece_by_piece_between_slices(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "a")
    spin(worker, 30)  # some training: snapshots for the path
    run = worker.runs["a"]
    # No time to spare in a piece: one point per frame, whatever the machine's speed.
    worker.options = dataclasses.replace(worker.options, slice_s=0.0)
    worker.handle(wire.Watch(run_id="a", topics={"loss_landscape": 1.0}, options={"grid": 5}))
    frames = []
    steps = []
    for _ in range(2000):
        spin(worker, 1)  # a slice of training, then at most one row when the budget allows
        worker.probe_clock = 0.0  # as if time had passed: a row after every slice
        steps.append(run.job.step_count)
        frames += [e.probe for e in drain(events) if isinstance(e, wire.ProbeFrame)]
        if frames and frames[-1].meta["rows_done"] == 5:
            break
    done = [f.meta["rows_done"] for f in frames]
    assert len(frames) == 25 and [f.meta["points_done"] for f in frames] == list(range(1, 26))
    assert done == sorted(done) and done[-1] == 5
    assert steps[-1] > steps[0]  # training went on between the rows
    loss = frames[-1].arrays["loss"]
    assert loss.shape == (5, 5) and np.isfinite(loss).all()
    assert np.isnan(frames[0].arrays["loss"]).any()  # points not yet computed
    assert frames[-1].arrays["path"].shape[1] == 2 and len(frames[-1].arrays["path"]) >= 2
    # Another probe's option (the feature maps' sample) leaves the slice as it is...
    worker.handle(
        wire.Watch(run_id="a", topics={"loss_landscape": 1.0}, options={"grid": 5, "sample": 3})
    )
    assert run.landscape is not None and run.landscape.done
    # ...a landscape option starts it over...
    worker.handle(wire.Watch(run_id="a", topics={"loss_landscape": 1.0}, options={"grid": 7}))
    assert run.landscape is None
    # ...and nobody watching drops it.
    worker.handle(wire.Watch(run_id="a", topics={}, options={}))
    assert run.landscape is None


def test_an_asked_for_loss_slice_comes_a_piece_per_probe_and_training_goes_on_between(
    tmp_path: Path,
) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "a")
    start(worker, "b")
    spin(worker, 20)
    other = worker.runs["b"]
    # No time to spare in a piece: one point per answer, whatever the machine's speed.
    worker.options = dataclasses.replace(worker.options, slice_s=0.0)
    options: wire.ProbeOptions = {"grid": 4}
    began = worker.runs["a"].job.step_count
    answers: list[wire.ProbeAnswer] = []
    other_steps = [other.job.step_count]
    for i in range(100):
        worker.probe_clock = 0.0  # as if the probe budget had refilled
        worker.handle(
            wire.Probe(request_id=str(i), run_id="a", topic="loss_landscape", options=options)
        )
        answers += [e for e in drain(events) if isinstance(e, wire.ProbeAnswer)]
        if not answers[-1].more:
            break
        spin(worker, 2)  # the asker comes back later: the runs train meanwhile
        other_steps.append(other.job.step_count)
    assert [a.more for a in answers] == [True] * 15 + [False]
    assert all(a.error is None and a.probe is not None for a in answers)
    done = [a.probe.meta["points_done"] for a in answers if a.probe is not None]
    assert done == list(range(1, 17))
    final = answers[-1].probe
    assert final is not None and np.isfinite(final.arrays["loss"]).all()
    assert final.step == began  # the slice is centred on the weights it began at
    assert other_steps[-1] > other_steps[0] and worker.runs["a"].job.step_count > began
    assert "a" not in worker.pieces  # nothing kept once complete
    # New options start it over; a refused option says why and keeps nothing.
    worker.probe_clock = 0.0
    worker.handle(
        wire.Probe(request_id="x", run_id="a", topic="loss_landscape", options={"grid": 1000})
    )
    (refused,) = [e for e in drain(events) if isinstance(e, wire.ProbeAnswer)]
    assert refused.error is not None and "grid" in refused.error and "a" not in worker.pieces


def test_a_probe_that_breaks_stops_that_view_and_the_run_trains_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "a")
    spin(worker, 5)
    run = worker.runs["a"]

    def broken(*_: Any) -> Any:
        raise RuntimeError("a bug inside the probe")

    monkeypatch.setattr(run.job, "probe", broken)
    worker.handle(wire.Watch(run_id="a", topics={"decision_boundary": 10.0}, options={}))
    before = run.job.step_count
    spin(worker, 5)
    (stopped,) = [e for e in drain(events) if isinstance(e, wire.ProbeStopped)]
    assert stopped.topic == "decision_boundary" and "a bug inside the probe" in (
        stopped.error or ""
    )
    assert "decision_boundary" not in run.watch and "a" in worker.runs
    assert run.job.step_count > before


def test_a_probe_of_the_data_alone_is_sent_once_per_viewer_not_once_per_step(
    tmp_path: Path,
) -> None:
    worker, _, events = make_worker(tmp_path)
    body = {"network": PRESETS["digits-cnn"]["run"]["network"], "dataset": {"name": "digits"}}
    worker.handle(wire.Start(run_id="r", config=RunConfig.model_validate(body)))
    watch = wire.Watch(run_id="r", topics={"pixel_correlation": 50.0, "weights:c1": 50.0})
    worker.handle(watch)
    drain(events)

    def frames(topic: str, seen: list[wire.Event]) -> int:
        return sum(isinstance(e, wire.ProbeFrame) and e.probe.topic == topic for e in seen)

    seen: list[wire.Event] = []
    for _ in range(12):
        spin(worker, 1)
        time.sleep(0.03)  # past each topic's next due time
        seen += drain(events)
    assert frames("pixel_correlation", seen) == 1
    assert frames("weights:c1", seen) > 1  # the weights move: a frame per step taken
    worker.handle(watch)  # a new viewer
    spin(worker, 2)
    assert frames("pixel_correlation", drain(events)) == 1


def test_paused_runs_views_do_not_stretch_the_intervals_of_a_run_that_trains(
    tmp_path: Path,
) -> None:
    worker, _, events = make_worker(tmp_path)
    for i in range(8):  # pages left open on paused runs, each watching two views
        start(worker, f"p{i}", paused=True)
        worker.handle(
            wire.Watch(run_id=f"p{i}", topics={"decision_boundary": 5.0, "confusion": 5.0})
        )
    start(worker, "live")
    worker.handle(wire.Watch(run_id="live", topics={"decision_boundary": 50.0}))
    drain(events)
    run = worker.runs["live"]
    spin(worker, 3)
    frames = [e for e in drain(events) if isinstance(e, wire.ProbeFrame) and e.run_id == "live"]
    assert frames
    cost_s = float(frames[-1].probe.meta["probe_ms"]) / 1000  # type: ignore[arg-type]
    # Its one topic counts, not the paused runs' sixteen: the interval of one topic alone.
    interval = run.due["decision_boundary"] - time.monotonic()
    assert interval <= max(1 / 50, cost_s / PROBE_SHARE) * 1.5 + 0.01
    # New options are drawn at once, not after the interval the old ones earned.
    worker.handle(
        wire.Watch(run_id="live", topics={"decision_boundary": 50.0}, options={"resolution": 20})
    )
    assert run.due["decision_boundary"] == 0.0
