"""GET /api/optimizers and GET /api/probes serve the registries, entries added included."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import torch
from fastapi.testclient import TestClient

from models import optimizers
from models.optim import optimizer_catalog
from models.optimizers import OptimizerDef
from models.probes import registry
from models.probes.registry import PROBES, probe_catalog
from tests.server.conftest import spiral_run, wait_until


def test_optimizers_are_served_as_catalogued(client: TestClient) -> None:
    assert client.get("/api/optimizers").json() == optimizer_catalog()


def test_probes_are_served_as_catalogued(client: TestClient) -> None:
    assert client.get("/api/probes").json() == probe_catalog()


def test_a_new_entry_is_served_without_touching_the_server(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    nadam = OptimizerDef(
        "nadam", "Adam with Nesterov momentum.", torch.optim.NAdam, ("lr",), lambda c: {"lr": c.lr}
    )
    monkeypatch.setitem(optimizers.OPTIMIZERS, "nadam", nadam)
    norms = replace(PROBES["weights"], name="norms", doc="Weight norms again.")
    monkeypatch.setitem(registry.PROBES, "norms", norms)
    assert client.get("/api/optimizers").json()[-1]["name"] == "nadam"
    assert client.get("/api/probes").json()[-1]["name"] == "norms"


def test_any_probe_option_reaches_its_probe(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=spiral_run(max_steps=100_000)).json()["id"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 3})
    wait_until(
        lambda: client.get(f"/api/runs/{run_id}").json()["status"] == "paused", what="paused"
    )
    fine = client.get(f"/api/runs/{run_id}/probes/decision_boundary", params={"resolution": 16})
    assert fine.status_code == 200 and fine.json()["arrays"]["output"]["shape"] == [16, 16]
    coarse = client.get(f"/api/runs/{run_id}/probes/decision_boundary", params={"resolution": 2})
    assert coarse.status_code == 422 and "resolution" in coarse.json()["detail"]
    client.delete(f"/api/runs/{run_id}")


def test_a_deleted_run_leaves_no_probe_options_behind(client: TestClient) -> None:
    manager = client.app.state.manager  # type: ignore[attr-defined]
    run_id = client.post("/api/runs", json=spiral_run()).json()["id"]
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        ws.receive_json()
        ws.send_json({"type": "subscribe", "topics": ["decision_boundary"], "sample": 2})
        ws.send_json({"type": "nope"})  # answered after the subscribe is applied
        assert ws.receive_json()["type"] == "error"
    assert manager.probe_options[run_id] == {"sample": 2}
    client.delete(f"/api/runs/{run_id}")
    assert run_id not in manager.probe_options


def test_a_burst_of_probes_is_answered_429_with_a_retry_time(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=spiral_run(max_steps=100_000)).json()["id"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 1})
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["status"] == "paused")
    url = f"/api/runs/{run_id}/probes/decision_boundary"

    def ask(_: int) -> tuple[int, str | None]:
        answer = client.get(url, params={"resolution": 128})
        return answer.status_code, answer.headers.get("retry-after")

    with ThreadPoolExecutor(8) as pool:  # many users at once, faster than the budget
        answers = list(pool.map(ask, range(96)))
    codes = [code for code, _ in answers]
    assert set(codes) == {200, 429} and codes.count(200) < 48, codes
    assert all(int(retry or 0) >= 1 for code, retry in answers if code == 429)
    client.delete(f"/api/runs/{run_id}")
