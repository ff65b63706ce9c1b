"""The typed seam: each message crosses the process boundary intact; none is dropped unseen."""

from __future__ import annotations

import logging
import math
import pickle
import queue
from pathlib import Path
from typing import Any, cast, get_args

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from models.optim import TrainingConfig, TrainingPatch
from models.probes.dispatch import ProbeError
from models.probes.result import ProbeResult
from models.run import RunConfig
from models.train import MetricsRow
from server import protocol as wire
from server.manager import RunManager
from server.worker import Worker, WorkerOptions, payload
from tests.server.conftest import spiral_run, wait_until

CONFIG = RunConfig.model_validate(spiral_run())
ROW = MetricsRow(step=3, epoch=0.1, train_loss=0.5, lr=0.01, steps_per_s=100.0, wall_s=0.03)
PROBE = wire.ProbePayload(
    topic="erf:c1",
    node="c1",
    step=3,
    meta={"sigma": [1.5, 2.0], "throttled": False},
    arrays={"erf": np.eye(3, dtype=np.float32)},
)
COMMAND_EXAMPLES: list[wire.Command] = [
    wire.Start(run_id="r", config=CONFIG, resume=True, paused=True, steps=4, watch={"erf:c1": 5.0}),
    wire.Pause(run_id="r"),
    wire.Resume(run_id="r"),
    wire.Step(run_id="r", n=7),
    wire.Stop(run_id="r"),
    wire.Update(run_id="r", changes=TrainingPatch(lr=0.1, batch_size=8)),
    wire.Drop(run_id="r"),
    wire.Watch(run_id="r", topics={"metrics": 2.0}),
    wire.Spotlight(run_id="r", on=True),
    wire.Probe(request_id="q", run_id="r", topic="weights", node="h1"),
    wire.Shutdown(),
]
EVENT_EXAMPLES: list[wire.Event] = [
    wire.Ready(pid=1, device="cpu", flops_per_s=1e10),
    wire.Status(run_id="r", status="paused", step=3),
    wire.Metrics(run_id="r", rows=[ROW]),
    wire.Checkpoint(run_id="r", checkpoint="checkpoints/r.safetensors", step=3),
    wire.Updated(run_id="r", training=TrainingConfig(lr=0.1)),
    wire.UpdateFailed(run_id="r", error="nesterov needs momentum > 0"),
    wire.ProbeFrame(run_id="r", probe=PROBE),
    wire.ProbeStopped(run_id="r", topic="erf:h1", error="not an image"),
    wire.ProbeAnswer(request_id="q", run_id="r", probe=PROBE),
    wire.UnknownRun(run_id="r", command="pause"),
    wire.Rejected(command="dict", error="no handler"),
    wire.Bye(),
    wire.Died(exitcode=-9),
]


def _same(a: BaseModel, b: BaseModel) -> bool:
    """Equal, comparing arrays by value."""
    if isinstance(a, wire.ProbeFrame | wire.ProbeAnswer) and isinstance(b, type(a)):
        pa, pb = a.probe, b.probe
        assert pa is not None and pb is not None
        return pa.meta == pb.meta and all(
            np.array_equal(pa.arrays[k], pb.arrays[k]) for k in pa.arrays
        )
    return a == b


@pytest.mark.parametrize("message", [*COMMAND_EXAMPLES, *EVENT_EXAMPLES], ids=lambda m: m.type)
def test_every_message_survives_the_process_boundary(message: BaseModel) -> None:
    assert _same(pickle.loads(pickle.dumps(message)), message)


def test_the_examples_cover_both_unions() -> None:
    def members(union: Any) -> set[str]:
        return {cls.model_fields["type"].default for cls in get_args(union)}

    assert {m.type for m in COMMAND_EXAMPLES} == members(wire.Command)
    assert {m.type for m in EVENT_EXAMPLES} == members(wire.Event)
    for message in COMMAND_EXAMPLES[1:]:  # the tag picks the member when parsed back
        assert wire.COMMANDS.validate_python(message.model_dump()) == message


def test_a_command_with_a_bad_field_never_leaves_the_web_process() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        wire.Step(run_id="r", n=0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        wire.Start.model_validate(
            {"run_id": "r", "config": {**CONFIG.model_dump(), "training": {"optimizer": "sgdd"}}}
        )


def test_the_worker_answers_what_it_cannot_handle(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    commands: queue.Queue[wire.Command] = queue.Queue()
    events: queue.Queue[wire.Event] = queue.Queue()
    worker = Worker(WorkerOptions(device="cpu", data_dir=str(tmp_path)), commands, events)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, "layerlab.protocol"):
        worker.handle(cast(wire.Command, {"op": "pause", "run_id": "r"}))
    answer = events.get_nowait()
    assert isinstance(answer, wire.Rejected) and answer.command == "dict"
    assert "no handler" in caplog.text
    worker.handle(wire.Resume(run_id="nobody"))
    assert events.get_nowait() == wire.UnknownRun(run_id="nobody", command="resume")


def test_the_manager_reconciles_a_run_the_worker_lost(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    manager: RunManager = client.app.state.manager  # type: ignore[attr-defined]
    run_id = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["checkpoint"], what="checkpoint")
    assert manager.worker is not None
    with caplog.at_level(logging.ERROR, "layerlab.manager"):
        manager._on_event(manager.worker, wire.UnknownRun(run_id=run_id, command="pause"))
    record = client.get(f"/api/runs/{run_id}").json()
    assert record["status"] == "paused" and "lost this run" in record["error"]
    assert "does not hold it" in caplog.text and run_id not in manager.held
    # Once the run is no longer believed held, a late answer is a logged race, not a change.
    manager._on_event(manager.worker, wire.UnknownRun(run_id=run_id, command="stop"))
    assert client.get(f"/api/runs/{run_id}").json()["status"] == "paused"
    client.post(f"/api/runs/{run_id}/stop")
    wait_until(
        lambda: client.get(f"/api/runs/{run_id}").json()["status"] == "stopped", what="stopped"
    )


def test_probe_metadata_becomes_json_or_fails_that_probe_only() -> None:
    loose = ProbeResult(
        "weights:h1", "h1", {"norm": np.float32(1.5), "size": (3, 4), "nan": math.nan}
    )
    meta = payload(loose, 7).meta
    assert meta == {"norm": 1.5, "size": [3, 4], "nan": None}
    with pytest.raises(ProbeError, match="not JSON"):
        payload(ProbeResult("weights:h1", "h1", {"bad": object()}), 7)
