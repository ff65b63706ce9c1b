"""The Ray backend against a local Ray the test starts (2 CPUs): the same training as the
local worker, runs placed on the least loaded actor, a killed actor failing only its runs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.ray_backend import RayPool
from tests.server.conftest import make_settings, spiral_run, wait_until

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.xdist_group("ray")  # one local Ray at a time


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A local Ray of two CPUs, for the module."""
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=100 * 1024**2,
    )
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def ray_client(local_ray: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app whose workers are two Ray actors."""
    settings = make_settings(tmp_path_factory.mktemp("ray-data")).model_copy(
        update={"backend": "ray", "ray_actors": 2}
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _pool(client: TestClient) -> RayPool:
    pool = client.app.state.manager.worker  # type: ignore[attr-defined]
    assert isinstance(pool, RayPool)
    return pool


def _final(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """Train a run to its end; its last metrics row."""
    run_id = client.post("/api/runs", json=body).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    wait_until(
        lambda: client.get(f"/api/runs/{run_id}").json()["status"] == "completed",
        timeout=60,
        what="the run to complete",
    )
    row: dict[str, Any] = client.get(f"/api/runs/{run_id}/metrics").json()[-1]
    return row


def test_a_run_on_a_ray_actor_trains_to_the_metrics_of_the_local_worker(
    ray_client: TestClient, tmp_path: Path
) -> None:
    body = spiral_run(max_steps=120, seed=7)
    on_ray = _final(ray_client, body)
    with TestClient(create_app(make_settings(tmp_path)), raise_server_exceptions=False) as local:
        alone = _final(local, body)
    assert on_ray["step"] == alone["step"] == 120
    for key in ("test_loss", "test_acc", "train_acc"):
        assert math.isclose(on_ray[key], alone[key], rel_tol=1e-6, abs_tol=1e-9), key


def test_runs_spread_over_the_actors_and_a_killed_actor_fails_only_its_runs(
    ray_client: TestClient,
) -> None:
    pool = _pool(ray_client)
    ids = []
    for _ in range(2):
        run_id = ray_client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        ray_client.post(f"/api/runs/{run_id}/start")
        ids.append(run_id)
    doomed, spared = ids
    placed = pool.placed()
    assert placed[doomed] != placed[spared]  # each went to the least loaded actor

    def step(run_id: str) -> int:
        value: int = ray_client.get(f"/api/runs/{run_id}").json()["step"]
        return value

    wait_until(lambda: min(step(doomed), step(spared)) > 20, timeout=60, what="both training")
    ray.kill(pool.actor_of(doomed))
    record = wait_until(
        lambda: (r := ray_client.get(f"/api/runs/{doomed}").json())["status"] == "failed" and r,
        timeout=60,
        what="the killed actor's run to fail",
    )
    assert "Ray actor died" in record["error"] and "start a new run" in record["error"]
    # The other actor's run trains on; a new run goes to the fresh actor and trains.
    before = step(spared)
    wait_until(lambda: step(spared) > before + 20, timeout=60, what="the spared run")
    assert ray_client.get(f"/api/runs/{spared}").json()["status"] == "running"
    fresh = ray_client.post("/api/runs", json=spiral_run(max_steps=60)).json()["id"]
    ray_client.post(f"/api/runs/{fresh}/start")
    wait_until(
        lambda: ray_client.get(f"/api/runs/{fresh}").json()["status"] == "completed",
        timeout=60,
        what="a new run to train",
    )
    for run_id in (spared, fresh):
        ray_client.delete(f"/api/runs/{run_id}")
