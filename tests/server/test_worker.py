"""The worker's loop, in-process: time slicing, controls, and failures confined to one run."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

import pytest
import torch

from models.presets import PRESETS
from models.probes.dispatch import NODE_TOPICS
from server.worker import Worker, WorkerOptions
from tests.server.conftest import spiral_run


def make_worker(
    tmp_path: Path,
) -> tuple[Worker, queue.Queue[dict[str, Any]], queue.Queue[dict[str, Any]]]:
    commands: queue.Queue[dict[str, Any]] = queue.Queue()
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    options = WorkerOptions(
        device="cpu", data_dir=str(tmp_path), slice_s=0.01, eval_hz=5, checkpoint_s=60
    )
    return Worker(options, commands, events), commands, events  # type: ignore[arg-type]


def drain(events: queue.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    while not events.empty():
        out.append(events.get_nowait())
    return out


def start(worker: Worker, run_id: str, **kw: Any) -> None:
    worker.handle({"op": "start", "run_id": run_id, "config": spiral_run(max_steps=100_000), **kw})


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
    assert all(run.trainer.step_count > 0 for run in worker.runs.values())
    statuses = [e for e in drain(events) if e["ev"] == "status"]
    assert {e["run_id"] for e in statuses if e["status"] == "running"} == {
        f"r{i}" for i in range(10)
    }


def test_pause_step_resume_stop(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "a")
    spin(worker, 3)
    worker.handle({"op": "pause", "run_id": "a"})
    step = worker.runs["a"].trainer.step_count
    spin(worker, 5)
    assert worker.runs["a"].trainer.step_count == step  # a pause takes effect at once
    assert (tmp_path / "checkpoints" / "a.safetensors").exists()
    worker.handle({"op": "step", "run_id": "a", "n": 5})
    spin(worker, 10)
    assert worker.runs["a"].trainer.step_count == step + 5
    kinds = [(e["ev"], e.get("status")) for e in drain(events)]
    assert ("status", "paused") in kinds and ("checkpoint", None) in kinds
    worker.handle({"op": "update", "run_id": "a", "changes": {"lr": 0.5}})
    assert worker.runs["a"].trainer.config.lr == 0.5
    worker.handle({"op": "update", "run_id": "a", "changes": {"lr": -1}})
    assert [e["ev"] for e in drain(events)] == ["updated", "update_failed"]
    worker.handle({"op": "stop", "run_id": "a"})
    assert "a" not in worker.runs
    assert drain(events)[-1]["status"] == "stopped"


def test_out_of_memory_fails_only_that_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    worker, _, events = make_worker(tmp_path)
    start(worker, "big")
    start(worker, "small")

    def explode(*args: Any, **kwargs: Any) -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(worker.runs["big"].trainer, "step", explode)
    spin(worker, 6)
    failed = [e for e in drain(events) if e.get("status") == "failed"]
    assert [e["run_id"] for e in failed] == ["big"]
    assert "ran out of memory" in failed[0]["error"] and "batch size" in failed[0]["error"]
    assert "big" not in worker.runs and worker.runs["small"].trainer.step_count > 0


def test_a_run_that_cannot_load_fails_with_the_reason(tmp_path: Path) -> None:
    worker, _, events = make_worker(tmp_path)
    config = spiral_run()
    config["dataset"] = {"name": "mnist", "params": {}}
    worker.handle({"op": "start", "run_id": "m", "config": config})
    (event,) = drain(events)
    assert event["status"] == "failed" and "MNIST" in event["error"]


def test_resume_loads_the_checkpoint(tmp_path: Path) -> None:
    worker, _, _ = make_worker(tmp_path)
    start(worker, "a")
    spin(worker, 3)
    worker.handle({"op": "stop", "run_id": "a"})
    worker2, _, _ = make_worker(tmp_path)
    start(worker2, "a", resume=True, paused=True)
    held = worker2.runs["a"]
    assert held.trainer.step_count > 0 and not held.active


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
        worker.handle({"op": "start", "run_id": "r", "config": body, "watch": watch})
        trainer = worker.runs["r"].trainer
        while "r" in worker.runs:
            run = worker.next_run()
            assert run is not None
            run.due.clear()  # every probe due at every slice
            worker.slice(run)
        kinds = [e["ev"] for e in drain(events)]
        assert ("probe_frame" in kinds) == bool(watch)
        finals.append(trainer.model.state_dict())
    for a, b in zip(finals[0].values(), finals[1].values(), strict=True):
        assert torch.equal(a, b)
