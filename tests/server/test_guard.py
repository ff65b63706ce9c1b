"""Who may call: foreign hosts (DNS rebinding) and foreign origins (cross-site pages) are refused;
the server's own pages, scripts and curl keep working."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.guard import hostname
from server.settings import Settings
from tests.server.conftest import spiral_run

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def run_id(client: TestClient) -> str:
    created: str = client.post("/api/runs", json=spiral_run()).json()["id"]
    return created


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("127.0.0.1:8000", "127.0.0.1"),
        ("LocalHost", "localhost"),
        ("[::1]:80", "[::1]"),
        ("a.b", "a.b"),
    ],
)
def test_hostname(header: str, host: str) -> None:
    assert hostname(header) == host


def test_default_hosts_are_local_and_a_wildcard_bind_answers_any() -> None:
    assert Settings().hosts() == ["127.0.0.1", "localhost", "[::1]"]
    assert Settings(host="192.168.1.5").hosts()[-1] == "192.168.1.5"
    assert Settings(host="::1").hosts()[-1] == "[::1]"
    assert Settings(host="0.0.0.0").hosts() == ["*"]
    assert Settings(host="0.0.0.0", allowed_hosts=["lab.school"]).hosts() == ["lab.school"]


@pytest.mark.parametrize(("method", "path"), [("get", "/api/runs"), ("delete", "/api/runs/{id}")])
def test_a_rebound_host_is_refused(client: TestClient, run_id: str, method: str, path: str) -> None:
    answer = client.request(method, path.format(id=run_id), headers={"host": "evil.example"})
    assert answer.status_code == 400
    assert "evil.example" in answer.json()["detail"] and answer.json()["errors"] == []
    assert client.get(f"/api/runs/{run_id}").status_code == 200  # nothing was deleted


def test_a_cross_site_control_is_refused_and_the_own_page_is_not(
    client: TestClient, run_id: str
) -> None:
    refused = client.post(f"/api/runs/{run_id}/stop", headers={"origin": EVIL})
    assert refused.status_code == 403 and EVIL in refused.json()["detail"]
    assert client.get(f"/api/runs/{run_id}").json()["status"] == "created"
    body = spiral_run()
    assert client.post("/api/runs", json=body, headers={"origin": "null"}).status_code == 403
    own = client.post("/api/runs", json=body, headers={"origin": "http://testserver"})
    assert own.status_code == 201
    assert client.post("/api/runs", json=body).status_code == 201  # a script: no Origin
    # Reading is not a control: a cross-site GET gets nothing a page could read without CORS.
    assert client.get("/api/layers", headers={"origin": EVIL}).status_code == 200
    assert (
        "access-control-allow-origin"
        not in client.get("/api/layers", headers={"origin": EVIL}).headers
    )


@pytest.mark.parametrize("origin", [EVIL, "null", "http://testserver.evil.example"])
def test_a_cross_origin_stream_is_refused(client: TestClient, run_id: str, origin: str) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(f"/api/runs/{run_id}/stream", headers={"origin": origin}) as ws,
    ):
        ws.receive_text()
    assert info.value.code == 4403


def test_the_own_page_streams(client: TestClient, run_id: str) -> None:
    with client.websocket_connect(
        f"/api/runs/{run_id}/stream", headers={"origin": "http://testserver"}
    ) as ws:
        assert ws.receive_json()["type"] == "status"
