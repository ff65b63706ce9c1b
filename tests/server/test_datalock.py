"""Start-up: one server per data directory, and a damaged or emptied database is said."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.cli import main
from server.datalock import DataDirBusyError, DataDirLock
from server.store import StoreDamagedError
from tests.server.conftest import make_settings, spiral_run, wait_until


def test_a_second_server_refuses_and_the_first_keeps_its_runs(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as first:
        run_id = first.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        first.post(f"/api/runs/{run_id}/start")
        wait_until(lambda: first.get(f"/api/runs/{run_id}").json()["status"] == "running")
        with pytest.raises(DataDirBusyError, match=f"process {os.getpid()}"):  # noqa: SIM117
            with TestClient(create_app(make_settings(tmp_path))):
                pass
        record = first.get(f"/api/runs/{run_id}").json()
        assert record["status"] == "running" and record["error"] is None
        first.post(f"/api/runs/{run_id}/stop")
    with TestClient(create_app(make_settings(tmp_path))) as again:  # released on shutdown
        assert again.get(f"/api/runs/{run_id}").json()["status"] == "stopped"


def test_serve_says_who_holds_the_directory(tmp_path: Path) -> None:
    with DataDirLock(tmp_path), pytest.raises(SystemExit, match="in use by another LayerLab"):
        main(["serve", "--data-dir", str(tmp_path), "--port", "1"])


def test_a_garbled_database_stops_the_start_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "layerlab.db").write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreDamagedError, match=r"is damaged.*move it aside"):  # noqa: SIM117
        with TestClient(create_app(make_settings(tmp_path))):
            pass


def test_an_empty_database_beside_checkpoints_is_said_in_health(tmp_path: Path) -> None:
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "abc.safetensors").write_bytes(b"x")
    (tmp_path / "layerlab.db").write_bytes(b"")
    with TestClient(create_app(make_settings(tmp_path))) as client:
        health = client.get("/api/health").json()
        assert health["status"] == "degraded"
        (note,) = health["notes"]
        assert "empty" in note and "1 run checkpoints" in note
    with TestClient(create_app(make_settings(tmp_path / "fresh"))) as client:
        assert client.get("/api/health").json()["notes"] == []
