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
