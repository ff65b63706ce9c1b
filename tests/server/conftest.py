"""Fixtures: an app with a real worker process, on a temporary data directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.presets import PRESETS
from server.app import create_app
from server.settings import Limits, Settings


def make_settings(data_dir: Path, **limits: Any) -> Settings:
    """Settings for tests: CPU, short slices, small limits where asked."""
    return Settings(
        data_dir=data_dir,
        device="cpu",
        slice_s=0.02,
        eval_hz=10,
        checkpoint_s=0.5,
        torch_threads=1,
        limits=Limits(**{"max_runs": 8, "max_params": 200_000, **limits}),
        allowed_hosts=["127.0.0.1", "localhost", "testserver"],  # TestClient's host
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app (and worker) shared by a test module."""
    app = create_app(make_settings(tmp_path_factory.mktemp("data")))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def spiral_run(max_steps: int = 5000, **training: Any) -> dict[str, Any]:
    """The spiral preset as a run body."""
    run = dict(PRESETS["spiral-mlp"]["run"])
    run["training"] = {**run["training"], "max_steps": max_steps, **training}
    run["device"] = "cpu"
    return run


def created_status(run_id: str) -> dict[str, Any]:
    """The status frame a viewer of a new run receives first."""
    return {
        "type": "status",
        "run_id": run_id,
        "status": "created",
        "error": None,
        "step": 0,
        "actions": ["start", "step", "stop", "update"],
    }


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until check() is truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
