"""Input that used to answer 500 gets a clear 4xx or error frame; bodies are bounded."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient

from models.datasets import load_dataset
from models.datasets.preview import load_preview
from models.shapes import infer_shapes
from server.app import create_app
from tests.models.helpers import mlp
from tests.server.conftest import make_settings, spiral_run


def _with_surrogate(body: dict[str, object]) -> str:
    """The body as JSON text with node n0's id a lone surrogate escape."""
    return json.dumps(body).replace('"n0"', '"\\udc00"')


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/networks/validate", mlp([4]), "nodes.1.id"),
        ("/api/runs", {**spiral_run(), "network": mlp([4])}, "network.nodes.1.id"),
    ],
)
def test_a_lone_surrogate_is_refused_by_field(
    client: TestClient, path: str, body: dict[str, object], field: str
) -> None:
    answer = client.post(
        path, content=_with_surrogate(body), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == field and "Unicode" in error["message"]


def test_a_paired_surrogate_is_fine(client: TestClient) -> None:
    spec = json.dumps(mlp([4])).replace('"n0"', '"\\ud83e\\udde0"')  # an emoji, escaped
    answer = client.post(
        "/api/networks/validate", content=spec, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200 and "\U0001f9e0" in answer.json()["nodes"]


def test_a_bad_input_shape_without_a_dataset_is_reported_with_everything_else(
    client: TestClient,
) -> None:
    spec = mlp([4])
    spec["nodes"][0]["params"] = {"shape": [0]}
    spec["nodes"][1]["params"] = {"out_features": -3}
    answer = client.post("/api/networks/validate", json=spec)
    assert answer.status_code == 200
    where = {(e["node"], e["field"]) for e in answer.json()["errors"]}
    assert ("in", "shape") in where and ("n0", "out_features") in where
    assert not infer_shapes(spec).ok


def test_a_binary_frame_gets_an_error_frame_and_the_stream_stays(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=spiral_run()).json()["id"]
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        ws.receive_json()
        ws.send_bytes(b"\x00\x01")
        frame = ws.receive_json()
        assert frame["type"] == "error" and "text" in frame["message"]
        ws.send_json({"type": "subscribe", "topics": ["metrics"]})
        ws.send_json({"type": "nope"})
        assert ws.receive_json()["type"] == "error"


def test_a_body_over_the_limit_is_413_before_it_is_parsed(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, max_body_bytes=64 * 1024))
    with TestClient(app) as small:
        big = {**spiral_run(), "name": "x" * 100_000}
        answer = small.post("/api/runs", json=big)
        assert answer.status_code == 413
        assert "at most 65,536 bytes" in answer.json()["errors"][0]["message"]
        # Streamed without a length, it is cut off all the same.
        chunks = (b'{"name": "' + b"y" * 1024 for _ in range(100))
        assert small.post("/api/networks/validate", content=chunks).status_code == 413
        assert small.post("/api/runs", json=spiral_run()).status_code == 201


def test_a_preview_of_a_huge_set_makes_only_what_it_shows(client: TestClient) -> None:
    huge = {"n_samples": 32_768, "image_size": 64}
    tracemalloc.start()
    try:
        data, sampled = load_preview("shapes", huge, 16)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sampled and data.info.n_train + data.info.n_test < 200
    assert peak < 50e6, f"{peak / 1e6:.0f} MB for 16 images"
    answer = client.post("/api/datasets/shapes/preview", json={"params": huge, "n": 16}).json()
    assert answer["sampled"] is True and len(answer["train_x"]) == 16
    assert answer["input_shape"] == [1, 64, 64]


def test_a_preview_of_a_usual_set_is_training_s_own_first_samples(client: TestClient) -> None:
    answer = client.post("/api/datasets/shapes/preview", json={"params": {}, "n": 4}).json()
    assert answer["sampled"] is False
    first = load_dataset("shapes", {}).x_train[:4]
    assert torch.allclose(torch.tensor(answer["train_x"]), first, atol=1e-3)


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ({"type": "subscribe", "topics": ["erf:nope"]}, "no node 'nope'"),
        ({"type": "subscribe", "topics": ["erf"]}, "needs a node"),
        ({"type": "subscribe", "topics": ["confusion:h1"]}, "without a node"),
        ({"type": "subscribe", "topics": ["bogus"]}, "unknown topic 'bogus'"),
        (
            {"type": "subscribe", "topics": ["decision_boundary"], "options": {"resolution": 2}},
            "resolution",
        ),
        ({"type": "subscribe", "topics": ["metrics"], "max_hz": 1e-300}, "max_hz"),
    ],
)
def test_a_subscription_that_cannot_be_served_is_answered(
    client: TestClient, message: dict[str, object], words: str
) -> None:
    run_id = client.post("/api/runs", json=spiral_run()).json()["id"]
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        ws.receive_json()
        ws.send_json(message)
        frame = ws.receive_json()
        assert frame["type"] == "error" and words in frame["message"], frame
        ws.send_json({"type": "subscribe", "topics": ["metrics", "weights:h1"], "max_hz": 5})
        ws.send_json({"type": "nope"})  # the good subscription is taken without a word
        assert "unknown message type" in ws.receive_json()["message"]
    client.delete(f"/api/runs/{run_id}")


def test_a_preview_refusal_carries_the_error_list(client: TestClient) -> None:
    answer = client.post("/api/datasets/spiral/preview", json={"params": {"noise": 9}})
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == "params.noise" and error["message"]
