"""Classes: join by code, tokens kept hashed, and no one touching another's run on any path."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.roster import CODE_ALPHABET, CODE_LENGTH, token_hash
from tests.server.conftest import make_settings, spiral_run, wait_until


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def room(client: TestClient) -> dict[str, Any]:
    """A class with a teacher and two students, each student with a run."""
    teacher = client.post("/api/classes", json={"name": "CNNs", "teacher": "Ada"}).json()
    alice = client.post("/api/classes/join", json={"code": teacher["code"], "name": "Alice"}).json()
    bob = client.post(
        "/api/classes/join", json={"code": teacher["code"].lower(), "name": "Bob"}
    ).json()
    runs = {}
    for who in (alice, bob):
        made = client.post("/api/runs", json=spiral_run(), headers=bearer(who["token"]))
        assert made.status_code == 201, made.json()
        runs[who["name"]] = made.json()["id"]
    return {"teacher": teacher, "alice": alice, "bob": bob, "runs": runs}


def test_a_class_has_a_readable_code_and_tokens_kept_only_hashed(
    client: TestClient, room: dict[str, Any]
) -> None:
    code = room["teacher"]["code"]
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert room["teacher"]["role"] == "teacher" and room["alice"]["role"] == "student"
    assert room["alice"]["class_id"] == room["teacher"]["class_id"]
    database = client.app.state.store.path  # type: ignore[attr-defined]
    with sqlite3.connect(database) as conn:
        dump = "\n".join(conn.iterdump())
    for who in ("teacher", "alice", "bob"):
        token = room[who]["token"]
        assert len(token) >= 40 and token not in dump and token_hash(token) in dump
    info = client.get(
        f"/api/classes/{code and room['teacher']['class_id']}",
        headers=bearer(room["teacher"]["token"]),
    ).json()
    assert [m["name"] for m in info["members"]] == ["Ada", "Alice", "Bob"]


def test_joining_says_what_is_wrong(client: TestClient, room: dict[str, Any]) -> None:
    code = room["teacher"]["code"]
    unknown = client.post("/api/classes/join", json={"code": "ZZZZZZ", "name": "Eve"})
    assert unknown.status_code == 404 and "ZZZZZZ" in unknown.json()["detail"]
    taken = client.post("/api/classes/join", json={"code": code, "name": "Alice"})
    assert taken.status_code == 409 and "Alice" in taken.json()["detail"]
    blank = client.post("/api/classes/join", json={"code": code, "name": ""})
    assert blank.status_code == 422


def run_paths(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the API with a run id in it, as its OpenAPI lists them."""
    api = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, methods in api.items()
        if "{run_id}" in path
        for method in methods
    ]


BODIES: dict[str, Any] = {
    "fork": {"training": {"lr": 0.02}},
    "step": {"n": 1},
    "training": {"lr": 0.02},
}


def call(client: TestClient, method: str, path: str, run_id: str, token: str | None) -> int:
    """The status a (method, path) answers for this run and token."""
    url = path.replace("{run_id}", run_id)
    url = re.sub(r"\{[a-z_]+\}", "activations", url)  # a probe's topic
    tail = path.rsplit("/", 1)[-1]
    headers = bearer(token) if token is not None else {}
    body = BODIES.get(tail)
    return client.request(method, url, headers=headers, json=body).status_code


def test_every_run_path_refuses_another_student_and_serves_the_teacher(
    client: TestClient, room: dict[str, Any]
) -> None:
    paths = run_paths(client)
    assert len(paths) >= 11, paths  # read, delete, 5 controls, fork, training, metrics, probe
    alices = room["runs"]["Alice"]
    for method, path in paths:
        if method == "DELETE":
            continue  # below, last
        assert call(client, method, path, alices, room["bob"]["token"]) == 403, (method, path)
        assert call(client, method, path, alices, None) == 401, (method, path)
        assert call(client, method, path, alices, "not-a-token") == 401, (method, path)
        assert call(client, method, path, alices, room["teacher"]["token"]) not in (401, 403)
        assert call(client, method, path, alices, room["alice"]["token"]) not in (401, 403)
    assert call(client, "DELETE", "/api/runs/{run_id}", alices, room["bob"]["token"]) == 403
    assert client.get(f"/api/runs/{alices}", headers=bearer(room["alice"]["token"])).is_success
    # A token goes in a header: in a REST URL it would end up in logs, and counts for nothing.
    assert client.get(f"/api/runs/{alices}?token={room['alice']['token']}").status_code == 401


def test_a_stream_of_another_students_run_is_closed_with_403(
    client: TestClient, room: dict[str, Any]
) -> None:
    bobs = room["runs"]["Bob"]
    for token, code in ((room["alice"]["token"], 4403), (None, 4401), ("nope", 4401)):
        query = f"?token={token}" if token else ""
        with client.websocket_connect(f"/api/runs/{bobs}/stream{query}") as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == code
    for token in (room["bob"]["token"], room["teacher"]["token"]):
        with client.websocket_connect(f"/api/runs/{bobs}/stream?token={token}") as ws:
            assert ws.receive_json()["run_id"] == bobs


def test_a_students_runs_share_the_students_worker_time(
    client: TestClient, room: dict[str, Any]
) -> None:
    manager = client.app.state.manager  # type: ignore[attr-defined]
    alices = room["runs"]["Alice"]
    assert manager._share(alices) == f"member:{room['alice']['member_id']}"
    outside = client.post("/api/runs", json=spiral_run()).json()["id"]
    assert manager._share(outside) is None  # a share of its own


def test_each_lists_what_they_may_see(client: TestClient, room: dict[str, Any]) -> None:
    def listed(token: str | None) -> set[str]:
        headers = bearer(token) if token else {}
        return {r["id"] for r in client.get("/api/runs", headers=headers).json()}

    runs = room["runs"]
    grid = client.get("/api/runs", headers=bearer(room["teacher"]["token"])).json()
    owners = {r["id"]: r["owner"] for r in grid}
    assert owners[runs["Alice"]] == "Alice" and owners[runs["Bob"]] == "Bob"
    mine = listed(room["alice"]["token"])
    assert runs["Alice"] in mine and runs["Bob"] not in mine
    assert listed(room["teacher"]["token"]) >= {runs["Alice"], runs["Bob"]}
    assert not listed(None) & {runs["Alice"], runs["Bob"]}  # the one-user page sees no class


def test_a_fork_is_the_callers_and_a_student_cannot_read_the_class(
    client: TestClient, room: dict[str, Any]
) -> None:
    alice = room["alice"]["token"]
    fork = client.post(
        f"/api/runs/{room['runs']['Alice']}/fork",
        json={"training": {"lr": 0.02}},
        headers=bearer(alice),
    )
    assert fork.status_code == 201
    assert (
        client.get(
            f"/api/runs/{fork.json()['id']}", headers=bearer(room["bob"]["token"])
        ).status_code
        == 403
    )
    class_id = room["teacher"]["class_id"]
    assert client.get(f"/api/classes/{class_id}", headers=bearer(alice)).status_code == 403
    assert client.get(f"/api/classes/{class_id}").status_code == 401


def test_the_teacher_pushes_a_lesson_locks_and_a_spotlight_that_students_read(
    client: TestClient, room: dict[str, Any]
) -> None:
    class_id, teacher = room["teacher"]["class_id"], room["teacher"]["token"]
    url = f"/api/classes/{class_id}/state"
    assert client.get(url, headers=bearer(room["alice"]["token"])).json()["revision"] == 0
    pushed = {"lesson": "xor-hidden", "locks": ["palette"], "spotlight": room["runs"]["Bob"]}
    first = client.put(url, json=pushed, headers=bearer(teacher))
    assert first.status_code == 200 and first.json()["revision"] == 1
    read = client.get(url, headers=bearer(room["bob"]["token"])).json()
    assert read["lesson"] == "xor-hidden" and read["locks"] == ["palette"]
    assert read["spotlight"] == room["runs"]["Bob"]
    # Only the teacher writes; what is pushed must exist; strangers read nothing.
    assert client.put(url, json=pushed, headers=bearer(room["alice"]["token"])).status_code == 403
    for bad in ({"lesson": "nope"}, {"spotlight": "nope"}, {"network": {"nodes": 3}}):
        assert client.put(url, json=bad, headers=bearer(teacher)).status_code == 422, bad
    assert client.put(url, json={"locks": ["all"]}, headers=bearer(teacher)).status_code == 422
    assert client.get(url).status_code == 401
    outsider = client.post("/api/classes", json={}).json()
    assert client.get(url, headers=bearer(outsider["token"])).status_code == 403


def test_the_teacher_starts_and_stops_every_students_run_at_once(
    client: TestClient, room: dict[str, Any]
) -> None:
    class_id, teacher = room["teacher"]["class_id"], room["teacher"]["token"]
    url = f"/api/classes/{class_id}/control"
    body = spiral_run(max_steps=100_000)
    fresh = {
        name: client.post(
            "/api/runs", json=body, headers=bearer(room[name.lower()]["token"])
        ).json()["id"]
        for name in ("Alice", "Bob")
    }
    started = client.post(url, json={"action": "start"}, headers=bearer(teacher)).json()
    assert set(fresh.values()) <= set(started["applied"])

    def status(name: str) -> str:
        run = client.get(f"/api/runs/{fresh[name]}", headers=bearer(teacher)).json()
        return str(run["status"])

    wait_until(lambda: status("Alice") == "running" and status("Bob") == "running", what="both")
    by_student = client.post(url, json={"action": "stop"}, headers=bearer(room["alice"]["token"]))
    assert by_student.status_code == 403
    stopped = client.post(url, json={"action": "stop"}, headers=bearer(teacher)).json()
    assert fresh["Alice"] in stopped["applied"]
    wait_until(lambda: status("Alice") == "stopped" and status("Bob") == "stopped", what="stops")


def test_without_classes_on_this_machine_nothing_changes(client: TestClient) -> None:
    made = client.post("/api/runs", json=spiral_run())
    assert made.status_code == 201
    run_id = made.json()["id"]
    assert client.get(f"/api/runs/{run_id}").status_code == 200
    assert run_id in {r["id"] for r in client.get("/api/runs").json()}
    assert client.delete(f"/api/runs/{run_id}").status_code == 204


def test_an_ended_class_keeps_its_runs_and_takes_no_new_ones(tmp_path: Any) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        teacher = client.post("/api/classes", json={}).json()
        student = client.post(
            "/api/classes/join", json={"code": teacher["code"], "name": "Cy"}
        ).json()
        run = client.post("/api/runs", json=spiral_run(), headers=bearer(student["token"])).json()
        assert (
            client.post(
                f"/api/classes/{teacher['class_id']}/end", headers=bearer(student["token"])
            ).status_code
            == 403
        )
        ended = client.post(
            f"/api/classes/{teacher['class_id']}/end", headers=bearer(teacher["token"])
        )
        assert ended.status_code == 200 and ended.json()["ended_at"] is not None
        again = client.post("/api/runs", json=spiral_run(), headers=bearer(student["token"]))
        assert again.status_code == 409 and "ended" in again.json()["detail"]
        late = client.post("/api/classes/join", json={"code": teacher["code"], "name": "Di"})
        assert late.status_code == 409
        kept = client.get(f"/api/runs/{run['id']}", headers=bearer(teacher["token"]))
        assert kept.status_code == 200


def test_classes_and_their_members_are_bounded(tmp_path: Any) -> None:
    settings = make_settings(tmp_path, max_classes=2, max_members=2)
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/classes", json={}).json()
        assert client.post("/api/classes", json={}).status_code == 201
        full = client.post("/api/classes", json={})
        assert full.status_code == 409 and "end one" in full.json()["detail"]
        joined = client.post("/api/classes/join", json={"code": first["code"], "name": "A"})
        assert joined.status_code == 201
        crowded = client.post("/api/classes/join", json={"code": first["code"], "name": "B"})
        assert crowded.status_code == 409 and "full" in crowded.json()["detail"]
        client.post(f"/api/classes/{first['class_id']}/end", headers=bearer(first["token"]))
        assert client.post("/api/classes", json={}).status_code == 201


@pytest.fixture
def shared_client(tmp_path: Any) -> Iterator[TestClient]:
    """A server that listens on every interface (a classroom's)."""
    settings = make_settings(tmp_path).model_copy(update={"host": "0.0.0.0"})
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_shared_server_refuses_runs_outside_a_class(shared_client: TestClient) -> None:
    refused = shared_client.post("/api/runs", json=spiral_run())
    assert refused.status_code == 403 and "class" in refused.json()["detail"]
    teacher = shared_client.post("/api/classes", json={}).json()
    made = shared_client.post("/api/runs", json=spiral_run(), headers=bearer(teacher["token"]))
    assert made.status_code == 201
    assert shared_client.get(f"/api/runs/{made.json()['id']}").status_code == 401


def test_the_design_cards_paths_name_a_class_by_its_code(tmp_path: Any) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        teacher = client.post("/api/classes", json={"name": "Card"}).json()
        code, token = teacher["code"], teacher["token"]
        joined = client.post(f"/api/classes/{code.lower()}/join", json={"name": "Eve"})
        assert joined.status_code == 201 and joined.json()["class_id"] == teacher["class_id"]
        run = client.post("/api/runs", json=spiral_run(), headers=bearer(joined.json()["token"]))
        read = client.get(f"/api/classes/{code}", headers=bearer(token))
        assert read.status_code == 200 and read.json()["id"] == teacher["class_id"]
        assert [m["name"] for m in read.json()["members"]] == ["Teacher", "Eve"]
        (listed,) = read.json()["runs"]
        assert listed["id"] == run.json()["id"] and listed["owner"] == "Eve"
        # The student reads the state by code too, but not the class; a stranger learns nothing
        # of which codes exist: another class's code and a code no class has are both a 403.
        student = bearer(joined.json()["token"])
        assert client.get(f"/api/classes/{code}/state", headers=student).status_code == 200
        assert client.get(f"/api/classes/{code}", headers=student).status_code == 403
        other = client.post("/api/classes", json={}).json()
        for key in (code, "ZZZZZZ", teacher["class_id"]):
            assert (
                client.get(f"/api/classes/{key}", headers=bearer(other["token"])).status_code == 403
            )
        ended = client.delete(f"/api/classes/{code}", headers=bearer(token))
        assert ended.status_code == 200 and ended.json()["ended_at"] is not None
        assert client.get(f"/api/runs/{run.json()['id']}", headers=bearer(token)).status_code == 200
