"""One run's step cannot take the worker down with it: the watchdog, the memory cap, shutdown."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.app import create_app
from tests.models.helpers import chain
from tests.server.conftest import make_settings, spiral_run, wait_until
from tests.server.servers import ServerPool, wait_for

TIMEOUT_S = 60.0
SHAPES_64 = {"name": "shapes", "params": {"n_samples": 40, "image_size": 64}}


def slow_run(batch_size: int) -> dict[str, Any]:
    """Two 31x31 convolutions on 64x64 images: seconds per step on one CPU thread."""
    conv = ("conv2d", {"out_channels": 16, "kernel_size": 31, "padding": 15})
    network = chain(conv, conv, ("global_avgpool", {}), ("linear", {"out_features": 4}))
    return {"network": network, "dataset": SHAPES_64, "training": {"batch_size": batch_size}}


def _record(client: TestClient, run_id: str) -> dict[str, Any]:
    record: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
    return record


def _start(client: TestClient, body: dict[str, Any]) -> str:
    created = client.post("/api/runs", json=body)
    assert created.status_code == 201, created.json()
    run_id: str = created.json()["id"]
    assert client.post(f"/api/runs/{run_id}/start").status_code == 200
    return run_id


def test_a_step_past_the_watchdog_fails_its_run_and_the_other_run_resumes(tmp_path: Path) -> None:
    # The step estimate would refuse the slow run; the limit is raised so that the
    # watchdog behind it is what stops it (one step takes about 3 s, the watchdog 1 s).
    settings = make_settings(tmp_path, watchdog_s=1.0, max_step_s=1000, max_params=1_000_000)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        fast = _start(client, spiral_run(max_steps=1_000_000))
        wait_until(
            lambda: (_record(client, fast)["checkpoint_step"] or 0) > 0,
            TIMEOUT_S,
            "the fast run's first periodic checkpoint",
        )
        pid = app.state.manager.worker_pid
        slow = _start(client, slow_run(batch_size=8))

        failed = wait_until(
            lambda: (r := _record(client, slow))["status"] == "failed" and r,
            TIMEOUT_S,
            "the slow run to fail",
        )
        assert "ran past the server's limit of 1 s" in failed["error"], failed["error"]
        assert "LAYERLAB_LIMIT_WATCHDOG_S" in failed["error"]
        assert app.state.manager.worker_pid != pid
        kept = _record(client, fast)["checkpoint_step"]
        wait_until(
            lambda: (r := _record(client, fast))["status"] == "running" and r["step"] > kept + 100,
            TIMEOUT_S,
            "the fast run to train on from its checkpoint on the new worker",
        )
        assert _record(client, fast)["error"] is None
        steps = [r["step"] for r in client.get(f"/api/runs/{fast}/metrics").json()]
        assert steps == sorted(set(steps))  # one timeline, cut back to the checkpoint
        health = client.get("/api/health").json()
        assert health["worker_restarts"] == 1 and health["worker"] == "ready"
        client.post(f"/api/runs/{fast}/stop")


def test_an_allocation_past_the_memory_cap_fails_that_run_not_the_worker(tmp_path: Path) -> None:
    # A 1x1 conv with 2,048 channels on 64x64 images at batch 32: about 1 GB per activation.
    # The estimate would refuse it; raised, the worker's 1.5 GB cap is what stops it.
    settings = make_settings(
        tmp_path,
        max_worker_bytes=1_500_000_000,
        max_step_bytes=10**12,
        max_step_s=1000,
        max_params=1_000_000,
    )
    app = create_app(settings)
    network = chain(
        ("conv2d", {"out_channels": 2048, "kernel_size": 1}),
        ("relu", {}),
        ("global_avgpool", {}),
        ("linear", {"out_features": 4}),
    )
    big = {"network": network, "dataset": SHAPES_64, "training": {"batch_size": 32}}
    with TestClient(app, raise_server_exceptions=False) as client:
        fast = _start(client, spiral_run(max_steps=1_000_000))
        wait_until(lambda: _record(client, fast)["step"] > 50, TIMEOUT_S, "the fast run")
        pid = app.state.manager.worker_pid
        run_id = _start(client, big)

        failed = wait_until(
            lambda: (r := _record(client, run_id))["status"] == "failed" and r,
            TIMEOUT_S,
            "the big run to fail",
        )
        assert "ran out of memory for this run (it may use 1.5 GB)" in failed["error"]
        # Same worker, no restart, and the other run never stopped.
        assert app.state.manager.worker_pid == pid
        assert client.get("/api/health").json()["worker_restarts"] == 0
        step = _record(client, fast)["step"]
        wait_until(
            lambda: (r := _record(client, fast))["step"] > step + 100 and r["status"] == "running",
            TIMEOUT_S,
            "the fast run to go on",
        )
        client.post(f"/api/runs/{fast}/stop")


def test_sigterm_during_a_long_step_checkpoints_the_other_runs_and_exits(tmp_path: Path) -> None:
    # Checkpoints a minute apart: what the fast run keeps comes from the shutdown alone.
    env = {
        "LAYERLAB_CHECKPOINT_S": "60",
        "LAYERLAB_LIMIT_MAX_STEP_S": "1000",
        "LAYERLAB_LIMIT_MAX_PARAMS": "1000000",
        "LAYERLAB_TORCH_THREADS": "1",
    }
    with ServerPool(tmp_path, **env) as pool:
        server = pool.start()
        client = server.client()
        fast = client.create_run(spiral_run(max_steps=1_000_000))["id"]
        client.control(fast, "start")
        wait_for(lambda: client.run(fast)["step"] > 2000, TIMEOUT_S, "the fast run to train")
        slow = client.create_run(slow_run(batch_size=32))["id"]  # about 12 s a step
        client.control(slow, "start")
        wait_for(lambda: client.run(slow)["status"] == "running", TIMEOUT_S, "the slow run")
        # Once the slow run's step has begun, the fast run's step no longer moves.
        before = client.run(fast)["step"]
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now, before = before, client.run(fast)["step"]
            if now == before:
                break

        began = time.monotonic()
        server.terminate(TIMEOUT_S)  # SIGTERM to the server: a graceful shutdown
        took = time.monotonic() - began
        assert took < 6.0, f"the server took {took:.1f} s to exit"

        again = pool.start().client()
        record = again.run(fast)
        assert record["status"] == "paused" and "interrupted" in record["error"]
        assert record["checkpoint_step"] >= before, (record, before)
        assert record["step"] == record["checkpoint_step"]
        assert again.run(slow)["status"] in ("paused", "failed")
