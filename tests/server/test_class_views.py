"""The teacher's side of a class: pushes, class-wide resets, the live grid, the results table."""

from __future__ import annotations

import csv
import io
import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.presets import PRESETS
from models.run import RunConfig
from models.train import MetricsRow
from server.app import create_app
from server.class_views import GRID_POINTS, ClassGrid, GridCache, changes
from server.store import Store
from tests.server.conftest import make_settings, spiral_run, wait_until


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def room(client: TestClient) -> dict[str, Any]:
    """A class with a teacher and two students (one with a name a spreadsheet would run)."""
    teacher = client.post("/api/classes", json={"name": "Nets", "teacher": "Tu"}).json()
    members = {"teacher": teacher}
    for name in ("Ann", "=SUM(A1)"):
        members[name] = client.post(
            "/api/classes/join", json={"code": teacher["code"], "name": name}
        ).json()
    return members


def url(room: dict[str, Any], part: str) -> str:
    return f"/api/classes/{room['teacher']['class_id']}/{part}"


def as_(room: dict[str, Any], who: str) -> dict[str, str]:
    return bearer(room[who]["token"])


def test_a_push_is_marked_with_its_revision_and_can_be_repeated(
    client: TestClient, room: dict[str, Any]
) -> None:
    first = client.post(
        url(room, "push"), json={"lesson": "xor-hidden"}, headers=as_(room, "teacher")
    )
    assert first.status_code == 200, first.json()
    assert first.json()["lesson"] == "xor-hidden"
    assert first.json()["pushed"] == first.json()["revision"]
    again = client.post(
        url(room, "push"), json={"lesson": "xor-hidden"}, headers=as_(room, "teacher")
    )
    assert again.json()["pushed"] == again.json()["revision"] == first.json()["revision"] + 1
    # A lock is no push: the students' pages keep what they have.
    locked = client.put(
        url(room, "state"),
        json={**again.json(), "locks": ["palette"]},
        headers=as_(room, "teacher"),
    ).json()
    assert locked["pushed"] == again.json()["pushed"] and locked["revision"] > locked["pushed"]
    # A network pushed through the state is a push too.
    network = PRESETS["spiral-mlp"]["run"]["network"]
    pushed = client.put(
        url(room, "state"), json={"network": network, "lesson": None}, headers=as_(room, "teacher")
    ).json()
    assert pushed["pushed"] == pushed["revision"] and pushed["network"] == network
    for bad in ({}, {"lesson": "xor-hidden", "network": network}, {"lesson": "nope"}):
        refused = client.post(url(room, "push"), json=bad, headers=as_(room, "teacher"))
        assert refused.status_code == 422, bad
    by_student = client.post(
        url(room, "push"), json={"lesson": "xor-hidden"}, headers=as_(room, "Ann")
    )
    assert by_student.status_code == 403


def test_the_grid_shows_each_students_latest_run_to_the_teacher_only_unless_shared(
    client: TestClient, room: dict[str, Any]
) -> None:
    run = client.post("/api/runs", json=spiral_run(max_steps=120), headers=as_(room, "Ann")).json()
    client.post(f"/api/runs/{run['id']}/start", headers=as_(room, "Ann"))
    wait_until(
        lambda: (
            client.get(f"/api/runs/{run['id']}", headers=as_(room, "Ann")).json()["status"]
            == "completed"
        ),
        what="Ann's run",
    )
    grid = client.get(url(room, "grid"), headers=as_(room, "teacher"))
    assert grid.status_code == 200
    rows = {row["name"]: row for row in grid.json()["students"]}
    assert list(rows) == ["Ann", "=SUM(A1)"]  # students only, in the order they joined
    ann = rows["Ann"]
    assert ann["run_id"] == run["id"] and ann["status"] == "completed" and ann["step"] == 120
    assert ann["max_steps"] == 120 and ann["runs"] == 1 and ann["test_acc"] is not None
    assert 2 <= len(ann["loss"]) <= GRID_POINTS
    history = client.get(f"/api/runs/{run['id']}/metrics", headers=as_(room, "Ann")).json()
    losses = [row["train_loss"] for row in history if row["train_loss"] is not None]
    assert ann["loss"][0] == pytest.approx(losses[0]) and ann["loss"][-1] == pytest.approx(
        losses[-1]
    )
    assert rows["=SUM(A1)"]["run_id"] is None and rows["=SUM(A1)"]["loss"] == []

    assert client.get(url(room, "grid"), headers=as_(room, "Ann")).status_code == 403
    assert client.get(url(room, "grid")).status_code == 401
    state = client.get(url(room, "state"), headers=as_(room, "teacher")).json()
    client.put(url(room, "state"), json={**state, "share_grid": True}, headers=as_(room, "teacher"))
    assert client.get(url(room, "grid"), headers=as_(room, "Ann")).status_code == 200


def test_results_say_what_each_student_changed_against_the_lesson_and_download_as_csv(
    client: TestClient, room: dict[str, Any]
) -> None:
    client.post(url(room, "push"), json={"lesson": "spiral-mlp"}, headers=as_(room, "teacher"))
    body = spiral_run(max_steps=40, lr=0.3)
    made = client.post("/api/runs", json=body, headers=as_(room, "=SUM(A1)")).json()
    results = client.get(url(room, "results"), headers=as_(room, "teacher"))
    assert results.status_code == 200
    table = results.json()
    assert table["lesson"] == "spiral-mlp"
    rows = {row["student"]: row for row in table["rows"]}
    lesson = PRESETS["spiral-mlp"]["run"]["training"]
    mine = rows["=SUM(A1)"]
    assert mine["run_id"] == made["id"] and mine["status"] == "created"
    assert f"training.lr: {lesson['lr']} → 0.3" in mine["changed"]
    assert f"training.max_steps: {lesson['max_steps']} → 40" in mine["changed"]
    assert not any(change.startswith("network") for change in mine["changed"])
    assert rows["Ann"]["test_acc"] is not None and rows["Ann"]["train_loss"] is not None

    assert client.get(url(room, "results"), headers=as_(room, "Ann")).status_code == 403
    download = client.get(url(room, "results.csv"), headers=as_(room, "teacher"))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    parsed = list(csv.DictReader(io.StringIO(download.text)))
    assert {row["student"] for row in parsed} == {"Ann", "'=SUM(A1)"}  # never run as a formula
    ann = next(row for row in parsed if row["student"] == "Ann")
    assert float(ann["test_acc"]) == pytest.approx(rows["Ann"]["test_acc"])
    assert client.get(url(room, "results.csv"), headers=as_(room, "Ann")).status_code == 403


def test_a_class_wide_reset_stops_every_students_run_and_marks_the_state(
    client: TestClient, room: dict[str, Any]
) -> None:
    run = client.post(
        "/api/runs", json=spiral_run(max_steps=100_000), headers=as_(room, "Ann")
    ).json()
    client.post(f"/api/runs/{run['id']}/start", headers=as_(room, "Ann"))
    report = client.post(
        url(room, "control"), json={"action": "reset"}, headers=as_(room, "teacher")
    )
    assert report.status_code == 200 and run["id"] in report.json()["applied"]
    wait_until(
        lambda: (
            client.get(f"/api/runs/{run['id']}", headers=as_(room, "Ann")).json()["status"]
            == "stopped"
        ),
        what="the reset's stop",
    )
    state = client.get(url(room, "state"), headers=as_(room, "Ann")).json()
    assert state["reset"] == state["revision"] > state["pushed"]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_lessons_runs_change_nothing_against_themselves(name: str) -> None:
    for body in PRESETS[name].get("runs") or [PRESETS[name]["run"]]:
        config = RunConfig.model_validate(body)
        assert changes(config.model_dump(mode="json"), config) == []


def test_changes_name_the_nodes_and_fields_that_differ() -> None:
    reference = RunConfig.model_validate(spiral_run()).model_dump(mode="json")
    body = spiral_run(optimizer="sgd")
    nodes = body["network"]["nodes"]
    hidden = next(node for node in nodes if node["type"] == "linear")
    body["network"] = {
        **body["network"],
        "nodes": [
            {**node, "params": {**(node.get("params") or {}), "out_features": 3}}
            if node is hidden
            else node
            for node in nodes
        ],
    }
    body["dataset"] = {
        **body["dataset"],
        "params": {**body["dataset"].get("params", {}), "noise": 0.4},
    }
    found = changes(reference, RunConfig.model_validate(body))
    was = (hidden.get("params") or {}).get("out_features")
    assert f"network.{hidden['id']}.out_features: {was} → 3" in found
    assert f"training.optimizer: {reference['training']['optimizer']} → sgd" in found
    assert any(change.startswith("dataset.params.noise") for change in found)


def test_a_member_may_hold_only_so_many_active_runs(tmp_path: Any) -> None:
    with TestClient(create_app(make_settings(tmp_path, max_member_runs=2))) as client:
        teacher = client.post("/api/classes", json={}).json()
        ann, bo = (
            client.post("/api/classes/join", json={"code": teacher["code"], "name": n}).json()
            for n in ("Ann", "Bo")
        )
        body = spiral_run(max_steps=100_000)

        def start(who: dict[str, Any]) -> Any:
            run = client.post("/api/runs", json=body, headers=bearer(who["token"])).json()
            return client.post(f"/api/runs/{run['id']}/start", headers=bearer(who["token"]))

        assert start(ann).status_code == 200 and start(ann).status_code == 200
        third = start(ann)
        assert third.status_code == 409 and "2 active runs" in third.json()["detail"]
        assert start(bo).status_code == 200  # another student's room is their own
        client.post(
            f"/api/classes/{teacher['class_id']}/control",
            json={"action": "stop"},
            headers=bearer(teacher["token"]),
        )


def test_guessing_join_codes_is_slowed_per_address(tmp_path: Any) -> None:
    with TestClient(create_app(make_settings(tmp_path, max_join_failures=3))) as client:
        teacher = client.post("/api/classes", json={}).json()
        for _ in range(3):
            wrong = client.post("/api/classes/join", json={"code": "ZZZZZZ", "name": "X"})
            assert wrong.status_code == 404
        slowed = client.post("/api/classes/join", json={"code": teacher["code"], "name": "X"})
        assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1
        assert "try again" in slowed.json()["detail"]


def test_a_spotlight_gives_the_run_its_large_share_until_it_moves_on(
    client: TestClient, room: dict[str, Any]
) -> None:
    manager = client.app.state.manager  # type: ignore[attr-defined]
    run = client.post("/api/runs", json=spiral_run(max_steps=50), headers=as_(room, "Ann")).json()
    state = client.get(url(room, "state"), headers=as_(room, "teacher")).json()
    lit = client.put(
        url(room, "state"), json={**state, "spotlight": run["id"]}, headers=as_(room, "teacher")
    )
    assert lit.status_code == 200 and manager.spotlit == {run["id"]}
    client.put(
        url(room, "state"), json={**lit.json(), "spotlight": None}, headers=as_(room, "teacher")
    )
    assert manager.spotlit == set()


def test_the_grid_is_computed_once_per_interval_for_every_page_that_polls() -> None:
    now = [0.0]
    cache = GridCache(ttl_s=0.5, clock=lambda: now[0])
    computed: list[int] = []

    def compute() -> ClassGrid:
        computed.append(1)
        return ClassGrid(revision=len(computed), spotlight=None, students=[])

    assert cache.get("a", compute).revision == 1
    now[0] = 0.4
    assert cache.get("a", compute).revision == 1  # fresh: the same answer
    assert cache.get("b", compute).revision == 2  # another class: its own
    now[0] = 0.6
    assert cache.get("a", compute).revision == 3  # stale: computed again
    assert len(computed) == 3


def test_a_curve_is_evenly_spaced_over_a_long_history_and_whole_over_a_short_one(
    tmp_path: Any,
) -> None:
    store = Store(tmp_path / "db.sqlite")
    run = store.create_run(RunConfig.model_validate(spiral_run()))
    rows = [
        MetricsRow(step=s, epoch=0, train_loss=1 / s, lr=0.1, steps_per_s=1, wall_s=s)
        for s in range(1, 1001)
    ]
    store.append_metrics(run.id, rows)
    curve = store.curve(run.id, "train_loss", 48)
    assert len(curve) == 48 and curve[0] == 1.0 and curve[-1] == pytest.approx(1 / 1000)
    steps = [round(1 / value) for value in curve]
    gaps = {b - a for a, b in itertools.pairwise(steps)}
    assert gaps <= {21, 22}  # 999 steps in 47 spans
    assert store.curve(run.id, "train_loss", 2000) == [row.train_loss for row in rows]
    assert store.curve(run.id, "test_acc", 48) == []  # no evaluated rows yet
    store.close()
