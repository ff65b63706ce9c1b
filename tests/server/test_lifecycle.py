"""The run lifecycle table, and that the REST controls, the stream and run records all follow it."""

from __future__ import annotations

import itertools
import time
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from server.lifecycle import (
    ACTIONS,
    ACTIVE,
    ALREADY,
    TERMINAL,
    TRANSITIONS,
    RunAction,
    RunStateError,
    RunStatus,
    allowed,
    transition,
)
from tests.server.conftest import spiral_run, wait_until

STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)


def test_every_status_has_a_row_and_every_target_is_a_status() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    for row in TRANSITIONS.values():
        assert set(row) <= set(ACTIONS) and set(row.values()) <= set(STATUSES)


def test_finished_runs_take_no_action_and_live_runs_can_always_stop() -> None:
    for status in TERMINAL:
        assert allowed(status) == []
    for status in (*ACTIVE, "created"):
        assert "stop" in allowed(status) and "update" in allowed(status)
    assert "step" not in allowed("running")  # pause first
    assert allowed("running") == ["pause", "stop", "update"]  # start again: accepted, listed not
    assert allowed("paused") == ["start", "resume", "step", "stop", "update"]
    assert transition("paused", "start") == transition("paused", "resume") == "running"


@pytest.mark.parametrize(("status", "action"), list(itertools.product(STATUSES, ACTIONS)))
def test_a_refusal_says_why_in_words(status: RunStatus, action: RunAction) -> None:
    if action in TRANSITIONS[status]:
        assert transition(status, action) in STATUSES
        assert (action in allowed(status)) == ((status, action) not in ALREADY)
        return
    with pytest.raises(RunStateError) as info:
        transition(status, action)
    assert status in str(info.value) and len(str(info.value).split()) >= 5


def test_rest_stream_and_records_follow_the_table(client: TestClient) -> None:
    created = client.post("/api/runs", json=spiral_run(max_steps=100_000)).json()
    run_id = created["id"]
    assert created["actions"] == allowed("created")
    for action in ("pause", "resume"):  # refused with the table's reason, as a 409
        answer = client.post(f"/api/runs/{run_id}/{action}")
        assert answer.status_code == 409
        with pytest.raises(RunStateError, match=answer.json()["detail"]):
            transition("created", action)
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        assert ws.receive_json()["actions"] == allowed("created")
        ws.send_json({"type": "control", "action": "resume"})
        while (frame := ws.receive_json())["type"] != "error":
            pass
        assert frame["message"] == "the run is created; only a paused run can resume"
        ws.send_json({"type": "control", "action": "start"})
        while not (
            (frame := ws.receive_json())["type"] == "status" and frame["status"] == "running"
        ):
            pass
        assert frame["actions"] == allowed("running")
    record = client.get(f"/api/runs/{run_id}").json()
    assert record["actions"] == allowed(record["status"])
    again = client.post(f"/api/runs/{run_id}/start")  # a repeat: answered, nothing changes
    assert again.status_code == 200 and again.json()["status"] in ("queued", "running")
    client.post(f"/api/runs/{run_id}/stop")
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["actions"] == [], what="stopped")
    # A stop or pause after the end (a page a moment behind) is answered, and changes nothing.
    late = client.post(f"/api/runs/{run_id}/stop")
    assert late.status_code == 200 and late.json()["status"] == "stopped"
    assert client.post(f"/api/runs/{run_id}/pause").json()["status"] == "stopped"
    assert client.post(f"/api/runs/{run_id}/resume").status_code == 409
    assert client.delete(f"/api/runs/{run_id}").status_code == 204
    missing = client.post(f"/api/runs/{run_id}/start")
    assert missing.status_code == 404 and run_id in missing.json()["detail"]


def test_controls_sent_in_a_row_apply_in_order(client: TestClient) -> None:
    """The stored status may lag the worker: repeats still reach it, in the order sent."""
    run_id = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]

    def status() -> str:
        return str(client.get(f"/api/runs/{run_id}").json()["status"])

    client.post(f"/api/runs/{run_id}/start")
    wait_until(lambda: status() == "running", what="running")
    client.post(f"/api/runs/{run_id}/pause")
    client.post(f"/api/runs/{run_id}/resume")  # before the paused status is back
    wait_until(lambda: status() == "running", what="running again")
    # Many single steps, then pause while they are taken: the pause cancels the rest.
    client.post(f"/api/runs/{run_id}/pause")
    wait_until(lambda: status() == "paused", what="paused")
    client.post(f"/api/runs/{run_id}/step", json={"n": 100_000})
    client.post(f"/api/runs/{run_id}/pause")
    seen: list[int] = []

    def stopped() -> bool:
        time.sleep(0.3)  # slices are 20 ms: a run still stepping moves in between
        seen.append(client.get(f"/api/runs/{run_id}").json()["step"])
        return len(seen) > 1 and seen[-1] == seen[-2]

    wait_until(stopped, what="the steps to stop")
    assert seen[-1] < 50_000 and status() == "paused"
    client.delete(f"/api/runs/{run_id}")


def test_deleting_right_after_a_pause_leaves_no_checkpoint(client: TestClient) -> None:
    manager = client.app.state.manager  # type: ignore[attr-defined]
    data_dir = manager.settings.data_dir
    run_id = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["status"] == "running")
    client.post(f"/api/runs/{run_id}/pause")
    assert client.delete(f"/api/runs/{run_id}").status_code == 204  # before the pause's save
    path = data_dir / "checkpoints" / f"{run_id}.safetensors"
    # The worker takes commands in order: once a later one is answered, the drop is done.
    other = client.post("/api/runs", json=spiral_run()).json()["id"]
    client.post(f"/api/runs/{other}/step", json={"n": 1})
    wait_until(lambda: client.get(f"/api/runs/{other}").json()["status"] == "paused")
    assert not path.exists()
    client.delete(f"/api/runs/{other}")
    gone = data_dir / "checkpoints" / f"{other}.safetensors"
    wait_until(lambda: not gone.exists(), what="the worker to remove its checkpoint")
