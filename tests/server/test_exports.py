"""GET /api/runs/{id}/export: the spec re-creates the run; the weights load into its network."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import load

from models import pytorch_export
from models.checkpoint import read_weights
from models.train import Trainer
from tests.models.helpers import chain
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


PYTORCH_DRIVER = """
import runpy, sys
import torch
ns = runpy.run_path(sys.argv[1])
data = ns["load_data"]()
model = ns["build_model"]()
ns["load_weights"](model, sys.argv[2])
model.eval()
with torch.no_grad():
    outputs = model(data["x_test"][:64])
fresh = ns["build_model"]()
losses = list(ns["train"](fresh, data, 50))
torch.save({"x": data["x_test"][:64], "outputs": outputs, "losses": losses}, sys.argv[3])
"""


def _digits_cnn() -> dict[str, object]:
    """A run with what makes reproducing it hard: batch norm, both dropouts, weight decay."""
    layers = [
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1, "init": "kaiming"}),
        ("batchnorm", {}),
        ("relu", {}),
        ("dropout2d", {"p": 0.1}),
        ("maxpool2d", {}),
        ("flatten", {}),
        ("dropout", {"p": 0.2}),
        ("linear", {"out_features": 10}),
    ]
    return {
        "name": "digits cnn",
        "network": chain(*layers),
        "dataset": {"name": "digits", "params": {}},
        "training": {"optimizer": "adam", "lr": 0.005, "weight_decay": 1e-4, "max_steps": 50},
        "device": "cpu",
    }


def test_a_pytorch_export_runs_alone_and_answers_and_trains_as_the_server_s_run(
    client: TestClient, tmp_path: Path
) -> None:
    body = _digits_cnn()
    run_id = client.post("/api/runs", json=body).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    record = wait_until(
        lambda: (r := client.get(f"/api/runs/{run_id}").json())["checkpoint_step"] == 50 and r,
        timeout=60,
        what="the run's 50 steps and their checkpoint",
    )
    script = client.get(f"/api/runs/{run_id}/export", params={"format": "pytorch"})
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/x-python")
    assert re.search(r'filename="digits-cnn-\w+\.py"', script.headers["content-disposition"])
    weights = client.get(f"/api/runs/{run_id}/export", params={"format": "safetensors"})
    (tmp_path / "run.py").write_text(script.text)
    (tmp_path / "run.safetensors").write_bytes(weights.content)
    subprocess.run(
        [sys.executable, "-I", "-c", PYTORCH_DRIVER, "run.py", "run.safetensors", "got.pt"],
        cwd=tmp_path,
        check=True,
        timeout=120,
    )
    got = torch.load(tmp_path / "got.pt")
    # The served model: the run's network with the weights of the server's checkpoint.
    served = Trainer(record["config"]["network"], "digits", record["config"]["training"])
    saved, _ = read_weights(client.app.state.settings.data_dir / record["checkpoint"])  # type: ignore[attr-defined]
    served.model.load_state_dict({k[len("model.") :]: v for k, v in saved.items()})
    served.model.eval()
    assert torch.equal(got["x"], served.data.x_test[:64])
    with torch.no_grad():
        assert (got["outputs"] - served.model(got["x"])).abs().max() <= 1e-6
    # The server's loss curve: each metrics row is the mean loss of the steps since the last.
    rows = [r for r in client.get(f"/api/runs/{run_id}/metrics").json() if r["train_loss"]]
    assert rows[-1]["step"] == 50
    last = 0
    for row in rows:
        if row["step"] > last:
            mine = sum(got["losses"][last : row["step"]]) / (row["step"] - last)
            assert mine == pytest.approx(row["train_loss"], rel=1e-5, abs=1e-6), row["step"]
            last = row["step"]
    client.delete(f"/api/runs/{run_id}")


def test_a_pytorch_export_whose_data_is_too_big_to_carry_is_a_422_that_says_why(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytorch_export, "EMBED_BYTES", 1000)
    run_id = client.post("/api/runs", json=spiral_run(max_steps=10)).json()["id"]
    answer = client.get(f"/api/runs/{run_id}/export", params={"format": "pytorch"})
    assert answer.status_code == 422
    assert "cannot be exported as PyTorch" in answer.json()["detail"]
    assert "sample caps" in answer.json()["detail"]
    client.delete(f"/api/runs/{run_id}")
