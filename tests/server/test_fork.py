"""POST /api/runs/{id}/fork: one field changed, from step 0 or from the source weights."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.server.conftest import spiral_run, wait_until
from tests.server.test_api import digits_conv_run


def _record(client: TestClient, run_id: str) -> dict[str, Any]:
    record: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
    return record


def _first_row(client: TestClient, run_id: str) -> dict[str, Any]:
    client.post(f"/api/runs/{run_id}/step", json={"n": 1})
    wait_until(lambda: _record(client, run_id)["step"] == 1, what="the fork's first step")
    row: dict[str, Any] = client.get(f"/api/runs/{run_id}/metrics").json()[0]
    return row


def test_a_fork_changes_one_field_and_keeps_the_rest(client: TestClient) -> None:
    source = client.post("/api/runs", json=spiral_run(max_steps=300, seed=7)).json()
    fork = client.post(
        f"/api/runs/{source['id']}/fork", json={"training": {"optimizer": "sgd", "lr": 0.1}}
    )
    assert fork.status_code == 201, fork.json()
    made = fork.json()
    assert made["status"] == "created" and made["step"] == 0 and made["id"] != source["id"]
    assert made["config"]["name"] == f"{source['config']['name']} (fork)"
    before, after = source["config"], made["config"]
    assert after["training"] == {**before["training"], "optimizer": "sgd", "lr": 0.1}
    assert after["network"] == before["network"] and after["dataset"] == before["dataset"]
    client.delete(f"/api/runs/{source['id']}")
    client.delete(f"/api/runs/{made['id']}")


def test_a_fork_from_current_weights_starts_where_the_source_is(client: TestClient) -> None:
    source = client.post("/api/runs", json=digits_conv_run()).json()["id"]
    client.post(f"/api/runs/{source}/step", json={"n": 150})
    wait_until(
        lambda: (r := _record(client, source))["step"] == 150 and r["checkpoint_step"] == 150,
        what="150 steps, checkpointed",
    )
    kept = client.post(
        f"/api/runs/{source}/fork", json={"weights": "current", "training": {"optimizer": "sgd"}}
    ).json()["id"]
    fresh = client.post(f"/api/runs/{source}/fork", json={"training": {"optimizer": "sgd"}})
    fresh_id = fresh.json()["id"]
    start_kept = client.get(f"/api/runs/{kept}/metrics")  # nothing yet: created
    assert start_kept.json() == []
    # Step 0 of each fork is its untrained (fresh) or inherited (current) network.
    trained = client.get(f"/api/runs/{source}/metrics").json()[-1]["test_acc"]
    kept_acc = _first_row(client, kept)["test_acc"]
    fresh_acc = _first_row(client, fresh_id)["test_acc"]
    assert kept_acc == trained
    assert fresh_acc < trained - 0.3
    for run_id in (source, kept, fresh_id):
        client.delete(f"/api/runs/{run_id}")


def test_a_fork_that_cannot_be_made_says_why(client: TestClient) -> None:
    source = client.post("/api/runs", json=spiral_run()).json()["id"]
    bad = client.post(f"/api/runs/{source}/fork", json={"training": {"lr": 50}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "training.lr"
    unsaved = client.post(f"/api/runs/{source}/fork", json={"weights": "current"})
    assert unsaved.status_code == 409 and "no saved weights yet" in unsaved.json()["detail"]
    mixed = client.post(
        f"/api/runs/{source}/fork",
        json={"weights": "current", "dataset": {"name": "xor"}},
    )
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "dataset"
    assert client.post("/api/runs/nope/fork", json={}).status_code == 404
    client.delete(f"/api/runs/{source}")


def test_the_design_cards_fork_form_is_the_same_fork(client: TestClient) -> None:
    source = client.post("/api/runs", json=spiral_run(max_steps=300, seed=7)).json()
    url = f"/api/runs/{source['id']}/fork"
    card = client.post(url, json={"changes": {"optimizer": "sgd", "name": "b"}, "from": "start"})
    assert card.status_code == 201, card.json()
    made = card.json()["config"]
    assert made["name"] == "b" and made["training"]["optimizer"] == "sgd"
    assert made["training"]["seed"] == source["config"]["training"]["seed"]
    # From weights not yet saved: the same refusal as weights=current.
    unsaved = client.post(url, json={"changes": {}, "from": "weights"})
    assert unsaved.status_code == 409
    for bad in ({"from": "middle"}, {"changes": [1]}, {"changes": {"lr": 50}}):
        assert client.post(url, json=bad).status_code == 422, bad
    client.delete(f"/api/runs/{source['id']}")
    client.delete(f"/api/runs/{card.json()['id']}")
