"""Limits hold under load: the active-run limit under simultaneous starts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from server.app import create_app
from server.lifecycle import ACTIVE
from tests.server.conftest import make_settings, spiral_run


def test_simultaneous_starts_never_pass_the_run_limit(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, max_runs=3))
    with TestClient(app, raise_server_exceptions=False) as client:
        ids = [
            client.post("/api/runs", json=spiral_run(max_steps=100_000)).json()["id"]
            for _ in range(16)
        ]
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(lambda i: client.post(f"/api/runs/{i}/start").status_code, ids))
        active = [r for r in client.get("/api/runs").json() if r["status"] in ACTIVE]
        assert sorted(codes) == [200] * 3 + [409] * 13
        assert len(active) == 3
        for run_id in ids:
            client.delete(f"/api/runs/{run_id}")


def test_runs_are_listed_as_summaries_a_page_at_a_time(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        ids = [client.post("/api/runs", json=spiral_run()).json()["id"] for _ in range(5)]
        page = client.get("/api/runs", params={"limit": 2, "offset": 1})
        assert page.headers["x-total-count"] == "5"
        assert [r["id"] for r in page.json()] == ids[::-1][1:3]  # newest first
        first = page.json()[0]
        assert "config" not in first
        assert first["dataset"] == "spiral" and first["optimizer"] == "adam"
        assert first["actions"] == ["start", "step", "stop", "update"]
        assert len(client.get("/api/runs").json()) == 5
        assert client.get("/api/runs", params={"limit": 0}).status_code == 422
