"""Limits hold under load: the active-run limit under simultaneous starts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.lifecycle import ACTIVE
from tests.models.helpers import chain
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


SHAPES_64 = {"name": "shapes", "params": {"n_samples": 40, "image_size": 64}}


@pytest.mark.parametrize(
    ("layers", "batch", "words", "node"),
    [
        # Few weights, huge activations: a 1x1 conv with 4,096 channels on 64x64 images.
        ([("conv2d", {"out_channels": 4096, "kernel_size": 1})], 64, "of memory", "n0"),
        # Few weights, a huge amount of arithmetic: two 64x64 kernels on 64x64 images (the
        # second, on 16 channels, does most of it).
        (
            [("conv2d", {"out_channels": 16, "kernel_size": 64, "padding": 32})] * 2,
            32,
            "would take about",
            "n1",
        ),
    ],
)
def test_a_step_that_would_not_fit_is_refused_in_words(
    client: TestClient,
    layers: list[tuple[str, dict[str, Any]]],
    batch: int,
    words: str,
    node: str,
) -> None:
    network = chain(*layers, ("global_avgpool", {}), ("linear", {"out_features": 4}))
    body = {"network": network, "dataset": SHAPES_64, "training": {"batch_size": batch}}
    answer = client.post("/api/runs", json=body)
    assert answer.status_code == 422, answer.json()
    (error,) = [e for e in answer.json()["errors"] if words in e["message"]]
    assert error["node"] == node and f"batch size {batch}" in error["message"]
    # The same network at a batch the server can afford is accepted.
    small = {**body, "training": {"batch_size": 1}}
    if words == "of memory":
        created = client.post("/api/runs", json=small)
        assert created.status_code == 201
        client.delete(f"/api/runs/{created.json()['id']}")


def test_the_patch_schema_says_what_the_server_takes_and_a_costlier_batch_is_refused(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["TrainingPatch"]
    bound = schema["properties"]["batch_size"]["anyOf"][0]["maximum"]
    assert bound == client.app.state.settings.limits.max_batch_size  # type: ignore[attr-defined]
    network = chain(
        ("conv2d", {"out_channels": 512, "kernel_size": 1}),
        ("global_avgpool", {}),
        ("linear", {"out_features": 4}),
    )
    body = {"network": network, "dataset": SHAPES_64, "training": {"batch_size": 4}}
    run_id = client.post("/api/runs", json=body).json()["id"]
    refused = client.patch(f"/api/runs/{run_id}/training", json={"batch_size": 4096})
    assert refused.status_code == 422 and "of memory" in refused.json()["errors"][0]["message"]
    assert client.patch(f"/api/runs/{run_id}/training", json={"batch_size": 8}).status_code == 200
    client.delete(f"/api/runs/{run_id}")
