"""The worker steps runs of one lesson as one group, and each ends as it would alone."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import torch

from models.run import RunConfig
from models.train import Trainer
from server import protocol as wire
from tests.server.conftest import spiral_run
from tests.server.test_worker import drain, make_worker

STEPS = 300


def config(i: int, max_steps: int = STEPS, **training: Any) -> RunConfig:
    body = spiral_run(max_steps=max_steps, lr=0.002 * (i + 1), seed=i, **training)
    return RunConfig.model_validate(body)


def alone(cfg: RunConfig) -> Trainer:
    """The run trained on its own, as the reference."""
    trainer = Trainer(
        cfg.network.model_dump(mode="json"),
        cfg.dataset.name,
        cfg.training,
        dataset_params=cfg.dataset.params,
        device="cpu",
    )
    trainer.step(STEPS, evaluate=False)
    return trainer


def relative(a: Trainer, b: Trainer) -> float:
    worst = 0.0
    for pa, pb in zip(a.model.parameters(), b.model.parameters(), strict=True):
        scale = float(pb.detach().abs().max()) or 1.0
        worst = max(worst, float((pa.detach() - pb.detach()).abs().max()) / scale)
    return worst


def train_all(worker: Any, jobs: dict[str, Trainer], *, limit: int = 5000) -> int:
    """Spin until every run has left the worker; how many slices stepped a group."""
    fused = 0
    for _ in range(limit):
        if not worker.runs:
            return fused
        run = worker.next_run()
        if run is None:
            continue
        for run_id, held in worker.runs.items():
            jobs.setdefault(run_id, held.job)
        worker.slice(run)
        fused += bool(worker.fusion.groups)
    raise AssertionError("the runs did not finish")


def test_runs_of_one_lesson_step_as_a_group_and_end_as_each_would_alone(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path, fuse=True)
    configs = {f"r{i}": config(i) for i in range(4)}
    for run_id, cfg in configs.items():
        worker.handle(wire.Start(run_id=run_id, config=cfg))
    jobs: dict[str, Trainer] = {}
    fused = train_all(worker, jobs)
    assert fused > 10  # most slices stepped the four as one
    statuses = {e.run_id: e.status for e in drain(events) if isinstance(e, wire.Status)}
    assert statuses == dict.fromkeys(configs, "completed")
    for run_id, cfg in configs.items():
        assert jobs[run_id].step_count == STEPS
        assert relative(jobs[run_id], alone(cfg)) < 1e-5, run_id


def test_a_paused_run_leaves_its_group_and_rejoins_exactly(tmp_path: Path) -> None:
    worker, _, _ = make_worker(tmp_path, fuse=True)
    configs = {f"r{i}": config(i, optimizer="sgd", momentum=0.9) for i in range(3)}
    for run_id, cfg in configs.items():
        worker.handle(wire.Start(run_id=run_id, config=cfg))
    for _ in range(20):
        run = worker.next_run()
        if run is not None:
            worker.slice(run)
    assert "r1" in worker.fusion.member_of
    worker.handle(wire.Pause(run_id="r1"))
    assert "r1" not in worker.fusion.member_of  # saved alone, with its own optimizer state
    worker.handle(wire.Resume(run_id="r1"))
    # A live change of the learning rate keeps it in (or lets it rejoin) a group.
    jobs: dict[str, Trainer] = {}
    train_all(worker, jobs)
    for run_id, cfg in configs.items():
        assert relative(jobs[run_id], alone(cfg)) < 1e-5, run_id


def test_a_run_that_diverges_in_a_group_fails_and_the_others_complete(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path, fuse=True)
    for i in range(3):
        worker.handle(wire.Start(run_id=f"r{i}", config=config(i)))
    for _ in range(12):
        run = worker.next_run()
        if run is not None:
            worker.slice(run)
    assert len(worker.fusion.member_of) >= 2
    with torch.no_grad():
        next(worker.runs["r0"].job.model.parameters()).fill_(math.nan)
    train_all(worker, {})
    statuses = {e.run_id: e.status for e in drain(events) if isinstance(e, wire.Status)}
    assert statuses["r0"] == "failed" and statuses["r1"] == statuses["r2"] == "completed"


def test_without_fusion_every_run_steps_alone(tmp_path: Path) -> None:
    worker, _, _ = make_worker(tmp_path, fuse=True)
    worker.options = dataclasses.replace(worker.options, fuse=False)
    worker.fusion.enabled = False
    for i in range(3):
        worker.handle(wire.Start(run_id=f"r{i}", config=config(i)))
    assert train_all(worker, {}) == 0


def test_grouped_or_not_a_student_with_three_runs_gets_a_students_share(tmp_path: Path) -> None:
    worker, _, _ = make_worker(tmp_path, fuse=True)
    for i in range(3):
        worker.handle(
            wire.Start(run_id=f"ann{i}", config=config(i, max_steps=100_000), share="member:ann")
        )
    for name in ("bo", "cy"):
        worker.handle(
            wire.Start(run_id=name, config=config(5, max_steps=100_000), share=f"member:{name}")
        )
    grouped = 0
    for _ in range(200):
        run = worker.next_run()
        if run is not None:
            worker.slice(run)
            grouped += len(worker.fusion.member_of) > 1
    assert grouped > 20  # they do step together
    steps = {run_id: held.job.step_count for run_id, held in worker.runs.items()}
    anns = sum(steps[f"ann{i}"] for i in range(3))
    assert min(steps.values()) > 0
    assert anns < 2 * min(steps["bo"], steps["cy"]), steps


def test_the_spotlit_run_steps_with_the_group_and_alone_on_its_large_share(
    tmp_path: Path,
) -> None:
    worker, _, _ = make_worker(tmp_path, fuse=True)
    for i in range(6):
        worker.handle(
            wire.Start(run_id=f"s{i}", config=config(i, max_steps=100_000), share=f"member:{i}")
        )
    worker.handle(wire.Spotlight(run_id="s0", on=True))
    alone = 0
    for _ in range(200):
        run = worker.next_run()
        if run is not None:
            worker.slice(run)
            alone += run.run_id == "s0" and "s0" not in worker.fusion.member_of
    assert alone > 0  # its extra turns, while the others are ahead of it
    steps = {run_id: held.job.step_count for run_id, held in worker.runs.items()}
    others = sorted(steps[f"s{i}"] for i in range(1, 6))
    assert steps["s0"] > 1.2 * others[len(others) // 2], steps
