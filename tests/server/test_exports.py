"""GET /api/runs/{id}/export: the spec re-creates the run; the weights load into its network."""

from __future__ import annotations

import html
import json
import re

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import load

from models.train import Trainer
from tests.server.conftest import spiral_run, wait_until


def test_an_exported_spec_re_creates_the_run(client: TestClient) -> None:
    body = spiral_run(max_steps=300, seed=11, lr=0.02)
    run_id = client.post("/api/runs", json=body).json()["id"]
    answer = client.get(f"/api/runs/{run_id}/export", params={"format": "spec"})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith('attachment; filename="spiral-')
    spec = answer.json()
    assert spec["training"]["seed"] == 11 and spec["training"]["lr"] == 0.02
    again = client.post("/api/runs", json=spec)
    assert again.status_code == 201, again.json()
    original = client.get(f"/api/runs/{run_id}").json()["config"]
    assert client.get(f"/api/runs/{again.json()['id']}").json()["config"] == original
    for made in (run_id, again.json()["id"]):
        client.delete(f"/api/runs/{made}")


def test_exported_weights_load_into_the_run_s_network_at_its_checkpoint(
    client: TestClient,
) -> None:
    body = spiral_run(max_steps=300, seed=4)
    run_id = client.post("/api/runs", json=body).json()["id"]
    refused = client.get(f"/api/runs/{run_id}/export", params={"format": "safetensors"})
    assert refused.status_code == 409 and "no saved weights yet" in refused.json()["detail"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 40})
    record = wait_until(
        lambda: (r := client.get(f"/api/runs/{run_id}").json())["checkpoint_step"] == 40 and r,
        what="a checkpoint at step 40",
    )
    answer = client.get(f"/api/runs/{run_id}/export", params={"format": "safetensors"})
    assert answer.status_code == 200 and answer.headers["x-weights-step"] == "40"
    weights = load(answer.content)
    config = record["config"]
    # The run's network, fresh, takes the file as its state dict (names and shapes fit) and
    # then answers as the same network trained the same 40 steps here does.
    fresh = Trainer(config["network"], "spiral", config["training"])
    fresh.model.load_state_dict(weights)
    twin = Trainer(config["network"], "spiral", config["training"])
    twin.step(40)
    x = twin.data.x_test[:64]
    with torch.no_grad():
        assert torch.allclose(fresh.model(x), twin.model(x), atol=1e-6)
    client.delete(f"/api/runs/{run_id}")


def test_an_export_names_what_it_cannot_do(client: TestClient) -> None:
    assert client.get("/api/runs/nope/export").status_code == 404
    run_id = client.post("/api/runs", json=spiral_run(max_steps=10)).json()["id"]
    bad = client.get(f"/api/runs/{run_id}/export", params={"format": "zip"})
    assert bad.status_code == 422 and "spec" in json.dumps(bad.json())
    client.delete(f"/api/runs/{run_id}")


def test_a_report_is_one_page_with_the_network_curves_metrics_config_and_lesson(
    client: TestClient,
) -> None:
    body = spiral_run(max_steps=200, seed=2)
    body["name"] = "Spiral <b>& friends</b>"  # a name is text on the page, never markup
    run_id = client.post("/api/runs", json=body).json()["id"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 150})
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] == 150, what="150 steps")
    answer = client.get(f"/api/runs/{run_id}/export", params={"format": "report"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "<script" not in page and "http://" not in page and "https://" not in page  # inline
    assert "Spiral &lt;b&gt;&amp; friends&lt;/b&gt;" in page and "<b>&" not in page
    nodes = {n["id"] for n in body["network"]["nodes"]}
    assert set(re.findall(r"<g data-node='([^']+)'>", page)) == nodes
    train = re.search(r"<polyline data-series='train' [^>]*points='([^']+)'", page)
    assert train is not None and len(train.group(1).split()) > 5  # the loss curve, drawn
    assert re.search(r"<th>step</th><td>150</td>", page)
    config = html.unescape(re.search(r"<pre data-config>(.*?)</pre>", page, re.S).group(1))  # type: ignore[union-attr]
    assert json.loads(config) == client.get(f"/api/runs/{run_id}").json()["config"]
    assert "The lesson: Stacking layers" in page  # the spiral lesson's network and data
    client.delete(f"/api/runs/{run_id}")


def test_an_onnx_export_runs_in_onnxruntime_as_the_run_s_network(client: TestClient) -> None:
    ort = pytest.importorskip("onnxruntime")
    run_id = client.post("/api/runs", json=spiral_run(max_steps=300, seed=6)).json()["id"]
    assert client.get(f"/api/runs/{run_id}/export", params={"format": "onnx"}).status_code == 409
    client.post(f"/api/runs/{run_id}/step", json={"n": 25})
    record = wait_until(
        lambda: (r := client.get(f"/api/runs/{run_id}").json())["checkpoint_step"] == 25 and r,
        what="a checkpoint at step 25",
    )
    answer = client.get(f"/api/runs/{run_id}/export", params={"format": "onnx"})
    assert answer.status_code == 200 and answer.headers["x-weights-step"] == "25"
    config = record["config"]
    twin = Trainer(config["network"], "spiral", config["training"])
    twin.step(25)
    twin.model.eval()
    x = twin.data.x_test[:64]
    session = ort.InferenceSession(answer.content, providers=["CPUExecutionProvider"])
    got = session.run(None, {"x0": x.numpy()})[0]
    with torch.no_grad():
        assert torch.allclose(torch.from_numpy(got), twin.model(x), atol=1e-5)
    client.delete(f"/api/runs/{run_id}")
