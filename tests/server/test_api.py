"""The REST API and the stream, through TestClient, with a real worker process."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from models.layers import LAYERS
from server.app import create_app
from server.probe_frames import unpack_probe
from tests.models.helpers import chain, mlp
from tests.server.conftest import created_status, make_settings, spiral_run, wait_until


def status_of(client: TestClient, run_id: str) -> str:
    return str(client.get(f"/api/runs/{run_id}").json()["status"])


def wait_status(client: TestClient, run_id: str, *statuses: str) -> dict[str, Any]:
    wait_until(
        lambda: status_of(client, run_id) in statuses,
        what=f"status {statuses}: {client.get(f'/api/runs/{run_id}').json()}",
    )
    record: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
    return record


def test_health(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["device"] == "cpu" and body["version"]
    assert body["worker"] in ("starting", "ready")
    wait_until(lambda: client.get("/api/health").json()["worker"] == "ready", what="the worker")


def test_layers_serve_the_registry_with_schemas(client: TestClient) -> None:
    entries = client.get("/api/layers").json()
    assert [e["type"] for e in entries] == list(LAYERS)
    conv = next(e for e in entries if e["type"] == "conv2d")
    assert conv["params_schema"]["properties"]["out_channels"]["minimum"] == 1
    assert conv["category"] == "convolution" and conv["doc"]


def test_datasets_say_what_they_are_and_what_is_missing(client: TestClient) -> None:
    entries = {e["name"]: e for e in client.get("/api/datasets").json()}
    assert entries["spiral"]["input_shape"] == [2] and entries["spiral"]["n_classes"] == 2
    assert entries["digits"]["input_shape"] == [1, 8, 8]
    assert "properties" in entries["shapes"]["params_schema"]
    assert (
        entries["mnist"]["available"] is False and "MNIST" in entries["mnist"]["unavailable_reason"]
    )


def test_presets(client: TestClient) -> None:
    names = [p["name"] for p in client.get("/api/presets").json()]
    assert "spiral-mlp" in names
    assert client.get("/api/presets/digits-cnn").json()["run"]["dataset"]["name"] == "digits"
    assert client.get("/api/presets/nope").status_code == 404


def test_every_preset_is_a_lesson_whose_panels_are_probes_and_whose_runs_are_valid(
    client: TestClient,
) -> None:
    presets = client.get("/api/presets").json()
    probes = {p["name"] for p in client.get("/api/probes").json()}
    for preset in presets:
        lesson = preset["lesson"]
        assert lesson["concept"] and lesson["group"] and lesson["order"] >= 1
        assert all(lesson["card"][k] for k in ("do", "watch", "takeaway", "question"))
        assert {panel.split(":")[0] for panel in lesson["panels"]} <= probes
        runs = preset["runs"] or [preset["run"]]
        assert runs[0] == preset["run"]
        for run in runs:
            created = client.post("/api/runs", json=run)
            assert created.status_code == 201, (preset["name"], created.json())
            client.delete(f"/api/runs/{created.json()['id']}")
    pair = client.get("/api/presets/residual-vs-plain").json()
    assert [r["name"] for r in pair["runs"]] == ["plain, 8 layers", "residual, 8 layers"]
    assert "loss_landscape" in pair["lesson"]["panels"]


def test_validate(client: TestClient) -> None:
    spec = spiral_run()["network"]
    bare = client.post("/api/networks/validate", json=spec).json()
    assert bare["valid"] is False and bare["errors"][0]["field"] == "shape"
    with_data = client.post(
        "/api/networks/validate", json={"network": spec, "dataset": {"name": "spiral"}}
    ).json()
    assert with_data["valid"] and with_data["nodes"]["h1"]["shape"] == [16]
    assert with_data["total_params"] == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2
    bad = client.post(
        "/api/networks/validate", json={"network": spec, "dataset": {"name": "nope"}}
    ).json()
    assert not bad["valid"] and any(e["field"] == "dataset.name" for e in bad["errors"])
    assert client.post("/api/networks/validate", json=[1, 2]).status_code == 422
    assert client.post("/api/networks/validate", content=b"{not json").status_code == 422


def test_create_rejects_with_the_contract_errors(client: TestClient) -> None:
    body = spiral_run()
    body["network"] = mlp([8], out=3)
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["node"] == "out" and "2 classes" in errors[0]["message"]
    response = client.post("/api/runs", json={**spiral_run(), "training": {"lr": -1}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "training.lr"
    too_big = {**spiral_run(), "network": mlp([1000, 1000])}
    response = client.post("/api/runs", json=too_big)
    assert response.status_code == 422 and "parameters" in response.json()["errors"][0]["message"]
    assert client.post("/api/runs", json={**spiral_run(), "device": "tpu"}).status_code == 422
    response = client.post(
        "/api/runs", json={**spiral_run(), "dataset": {"name": "spiral", "params": {"noise": 3}}}
    )
    assert response.json()["errors"][0]["field"] == "dataset.params.noise"


def test_run_lifecycle(client: TestClient) -> None:
    created = client.post("/api/runs", json=spiral_run(max_steps=100_000))
    assert created.status_code == 201
    run_id = created.json()["id"]
    assert created.json()["status"] == "created"
    assert any(r["id"] == run_id for r in client.get("/api/runs").json())

    assert client.post(f"/api/runs/{run_id}/start").status_code == 200
    wait_status(client, run_id, "running")
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] > 50, what="steps")
    assert client.post(f"/api/runs/{run_id}/step", json={"n": 1}).status_code == 409

    client.post(f"/api/runs/{run_id}/pause")
    paused = wait_status(client, run_id, "paused")
    assert paused["checkpoint"]
    step = paused["step"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 7})
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] == step + 7, what="7 steps")
    assert status_of(client, run_id) == "paused"

    patched = client.patch(f"/api/runs/{run_id}/training", json={"lr": 0.002, "batch_size": 16})
    assert patched.status_code == 200 and patched.json()["config"]["training"]["lr"] == 0.002
    assert client.patch(f"/api/runs/{run_id}/training", json={"lr": 0}).status_code == 422
    assert client.patch(f"/api/runs/{run_id}/training", json={"colour": 1}).status_code == 422

    client.post(f"/api/runs/{run_id}/resume")
    wait_status(client, run_id, "running")
    wait_until(
        lambda: any(
            r["lr"] == 0.002
            for r in client.get(f"/api/runs/{run_id}/metrics", params={"since": step}).json()
        ),
        what="the new lr in the metrics",
    )
    client.post(f"/api/runs/{run_id}/stop")
    stopped = wait_status(client, run_id, "stopped")
    assert stopped["finished_at"]
    assert client.post(f"/api/runs/{run_id}/start").status_code == 409
    assert client.post(f"/api/runs/{run_id}/resume").status_code == 409
    assert client.patch(f"/api/runs/{run_id}/training", json={"lr": 0.1}).status_code == 409

    rows = client.get(f"/api/runs/{run_id}/metrics").json()
    steps = [r["step"] for r in rows]
    assert steps == sorted(set(steps)) and steps[-1] == stopped["step"]
    assert all(
        r["step"] > 20
        for r in client.get(f"/api/runs/{run_id}/metrics", params={"since": 20}).json()
    )

    assert client.delete(f"/api/runs/{run_id}").status_code == 204
    assert client.get(f"/api/runs/{run_id}").status_code == 404


def test_completes_at_max_steps(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=spiral_run(max_steps=150)).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    record = wait_status(client, run_id, "completed")
    assert record["step"] == 150
    last = client.get(f"/api/runs/{run_id}/metrics").json()[-1]
    assert last["step"] == 150 and last["test_acc"] is not None


def test_divergence_fails_the_run_with_a_reason(client: TestClient) -> None:
    body = {
        "network": mlp([8], out=1, loss="mse"),
        "dataset": {"name": "plane"},
        "training": {"optimizer": "sgd", "lr": 10.0, "momentum": 0.9},
        "device": "cpu",
    }
    run_id = client.post("/api/runs", json=body).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    record = wait_status(client, run_id, "failed")
    assert "learning rate 10 is probably too high" in record["error"]
    assert "NaN" in record["error"] or "infinite" in record["error"]


def test_unknown_runs_are_404(client: TestClient) -> None:
    for method, path in [
        ("get", "/api/runs/nope"),
        ("delete", "/api/runs/nope"),
        ("post", "/api/runs/nope/start"),
        ("post", "/api/runs/nope/pause"),
        ("post", "/api/runs/nope/resume"),
        ("post", "/api/runs/nope/step"),
        ("post", "/api/runs/nope/stop"),
        ("get", "/api/runs/nope/metrics"),
    ]:
        assert getattr(client, method)(path).status_code == 404, path
    assert client.patch("/api/runs/nope/training", json={"lr": 0.1}).status_code == 404


def test_stream_metrics_status_and_controls(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=spiral_run(max_steps=100_000)).json()["id"]
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        assert ws.receive_json() == created_status(run_id)
        ws.send_json({"type": "subscribe", "topics": ["metrics"], "max_hz": 20})
        ws.send_json({"type": "control", "action": "start"})
        rows: list[dict[str, Any]] = []
        statuses = []
        while len(rows) < 5:
            frame = ws.receive_json()
            if frame["type"] == "metrics":
                rows += frame["rows"]
            else:
                statuses.append(frame["status"])
        assert "running" in statuses
        assert [r["step"] for r in rows] == sorted(r["step"] for r in rows)
        ws.send_json({"type": "control", "action": "pause"})
        while ws.receive_json().get("status") != "paused":
            pass
        ws.send_json({"type": "bogus"})
        while (frame := ws.receive_json())["type"] != "error":
            pass
        assert "unknown message type" in frame["message"]
        ws.send_json({"type": "control", "action": "step", "n": 3})
        ws.send_text("not json")
        while (frame := ws.receive_json())["type"] != "error":
            pass
    client.post(f"/api/runs/{run_id}/stop")


def test_stream_of_unknown_run_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/api/runs/nope/stream") as ws,
    ):
        ws.receive_text()
    assert info.value.code == 4404


def test_openapi_names_and_describes_schemas(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in (
        "RunRecord",
        "ValidationReport",
        "MetricsRow",
        "TrainingPatch",
        "StepRequest",
        "ErrorList",
    ):
        assert name in components, name
    assert all(spec.get("description") for spec in components.values())
    assert client.get("/docs").status_code == 200


def test_concurrent_run_limit_is_a_clear_409(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, max_runs=1))
    with TestClient(app, raise_server_exceptions=False) as small:
        first = small.post("/api/runs", json=spiral_run(max_steps=100_000)).json()["id"]
        second = small.post("/api/runs", json=spiral_run()).json()["id"]
        assert small.post(f"/api/runs/{first}/start").status_code == 200
        refused = small.post(f"/api/runs/{second}/start")
        assert refused.status_code == 409 and "limit of 1 active runs" in refused.json()["detail"]
        small.post(f"/api/runs/{first}/stop")
        wait_status(small, first, "stopped")
        assert small.post(f"/api/runs/{second}/start").status_code == 200
        small.post(f"/api/runs/{second}/stop")


def digits_conv_run(**training: Any) -> dict[str, Any]:
    """A one-conv network on digits, as a run body."""
    network = chain(
        ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("flatten", {}),
        ("linear", {"out_features": 10}),
    )
    ids = {"n0": "c1", "n1": "a1", "n2": "f", "n3": "fc"}
    for node in network["nodes"]:
        node["id"] = ids.get(node["id"], node["id"])
    for edge in network["edges"]:
        edge["source"], edge["target"] = (
            ids.get(edge["source"], edge["source"]),
            ids.get(edge["target"], edge["target"]),
        )
    return {
        "network": network,
        "dataset": {"name": "digits"},
        "training": {"max_steps": 100_000, **training},
        "device": "cpu",
    }


def probed(client: TestClient, path: str, params: dict[str, Any]) -> Any:
    """A probe's answer once the probe budget lets it through (a loaded machine may 429)."""
    return wait_until(
        lambda: (r := client.get(path, params=params)).status_code != 429 and r,
        what="the probe budget",
    )


def test_probes_on_demand(client: TestClient) -> None:
    body = digits_conv_run()
    run_id = client.post("/api/runs", json=body).json()["id"]
    assert client.get(f"/api/runs/{run_id}/probes/erf", params={"node": "c1"}).status_code == 409
    client.post(f"/api/runs/{run_id}/step", json={"n": 5})
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] == 5, what="5 steps")
    erf = probed(client, f"/api/runs/{run_id}/probes/erf", {"node": "c1"}).json()
    assert erf["rf_size"] == [3.0, 3.0] and erf["arrays"]["erf"]["shape"] == [8, 8]
    maps = probed(client, f"/api/runs/{run_id}/probes/feature_maps:c1", {"sample": 3}).json()
    assert maps["arrays"]["maps"]["shape"] == [4, 8, 8] and maps["step"] == 5
    confusion = probed(client, f"/api/runs/{run_id}/probes/confusion", {}).json()
    assert confusion["arrays"]["matrix"]["shape"] == [10, 10]
    refused = probed(client, f"/api/runs/{run_id}/probes/feature_maps", {"node": "fc"})
    assert refused.status_code == 422 and "not [C, H, W]" in refused.json()["detail"]
    assert client.get(f"/api/runs/{run_id}/probes/decision_boundary").status_code == 422
    assert client.get(f"/api/runs/{run_id}/probes/nope").status_code == 404
    assert client.get("/api/runs/nope/probes/erf").status_code == 404
    client.post(f"/api/runs/{run_id}/stop")


def test_stream_sends_probe_frames_that_change_as_it_learns(client: TestClient) -> None:
    run = digits_conv_run(lr=0.01)
    run_id = client.post("/api/runs", json=run).json()["id"]
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        ws.receive_json()
        ws.send_json(
            {
                "type": "subscribe",
                "topics": ["feature_maps:c1", "erf:a1", "activations:a1", "decision_boundary"],
                "max_hz": 20,
                "sample": 2,
            }
        )
        ws.send_json({"type": "control", "action": "start"})
        seen: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        while (
            min(len(seen.get(t, [])) for t in ("feature_maps:c1", "erf:a1", "activations:a1")) < 3
        ):
            message = ws.receive()
            if message.get("bytes"):
                header, arrays = unpack_probe(message["bytes"])
                seen.setdefault(header["topic"], []).append((header, arrays))
        ws.send_json({"type": "control", "action": "stop"})
    maps = seen["feature_maps:c1"]
    assert maps[0][1]["maps"].shape == (4, 8, 8) and maps[0][1]["maps"].dtype == np.uint8
    steps = [h["step"] for h, _ in maps]
    assert steps == sorted(steps) and steps[-1] > steps[0]
    erf = seen["erf:a1"]
    assert erf[0][0]["rf_size"] == [3.0, 3.0] and erf[0][1]["erf"].shape == (8, 8)
    assert not np.array_equal(erf[0][1]["erf"], erf[-1][1]["erf"])  # it changes as it learns
    assert all(0 < h["rate_hz"] <= 20 for h, _ in erf)
    assert "decision_boundary" not in seen  # not for images: the worker dropped it
    stats = seen["activations:a1"][-1][0]
    assert stats["output_shape"] == [4, 8, 8] and 0 <= stats["dead_fraction"] <= 1


def test_validate_with_a_dataset_checks_the_output_fits(client: TestClient) -> None:
    report = client.post(
        "/api/networks/validate", json={"network": mlp([8], out=3), "dataset": {"name": "spiral"}}
    ).json()
    assert not report["valid"]
    assert report["errors"][0]["node"] == "out" and "2 classes" in report["errors"][0]["message"]
    assert report["nodes"]["n0"]["shape"] == [8]


def test_dataset_preview(client: TestClient) -> None:
    points = client.post(
        "/api/datasets/spiral/preview", json={"params": {"n_samples": 100}, "n": 20}
    ).json()
    assert len(points["train_x"]) == 20 and len(points["train_x"][0]) == 2
    assert set(points["train_y"]) <= {0, 1} and len(points["test_x"]) == 20
    images = client.post(
        "/api/datasets/segmentation/preview", json={"params": {"n_samples": 40}, "n": 3}
    ).json()
    assert len(images["train_x"]) == 3 and len(images["train_x"][0]) == images["input_shape"][0]
    assert len(images["train_y"][0]) == images["input_shape"][1]
    unknown = client.post("/api/datasets/nope/preview", json={})
    assert unknown.status_code == 404 and "no dataset named 'nope'" in unknown.json()["detail"]
    bad = client.post("/api/datasets/spiral/preview", json={"params": {"noise": 9}})
    assert bad.status_code == 422 and "noise" in bad.json()["detail"]
    assert client.post("/api/datasets/spiral/preview", json={"n": 0}).status_code == 422


@pytest.mark.parametrize("ending", ["completed", "stopped"])
def test_an_ended_run_is_probed_from_its_final_weights(client: TestClient, ending: str) -> None:
    body = digits_conv_run()
    body["training"]["max_steps"] = 20 if ending == "completed" else 100_000
    run_id = client.post("/api/runs", json=body).json()["id"]
    client.post(f"/api/runs/{run_id}/start")
    if ending == "stopped":
        wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] >= 20, what="steps")
        client.post(f"/api/runs/{run_id}/stop")
    record = wait_until(
        lambda: (r := client.get(f"/api/runs/{run_id}").json())["status"] == ending and r,
        what=ending,
    )
    final = record["checkpoint_step"]
    assert final == record["step"] >= 20
    # REST: computed from the checkpoint, at the step it holds.
    maps = client.get(f"/api/runs/{run_id}/probes/feature_maps:c1", params={"sample": 3})
    assert maps.status_code == 200, maps.json()
    assert maps.json()["step"] == final and maps.json()["arrays"]["maps"]["shape"] == [4, 8, 8]
    # The stream: a subscription gets one frame from the same weights.
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        assert ws.receive_json()["status"] == ending
        ws.send_json({"type": "subscribe", "topics": ["feature_maps:c1"], "sample": 3})
        message = ws.receive()
        while not message.get("bytes"):
            message = ws.receive()
        header, arrays = unpack_probe(message["bytes"])
    assert header["topic"] == "feature_maps:c1" and header["step"] == final
    assert arrays["maps"].shape == (4, 8, 8)
    if ending == "completed":
        ended_run_landscape(client, run_id, final)
    client.delete(f"/api/runs/{run_id}")


def ended_run_landscape(client: TestClient, run_id: str, final: int) -> None:
    """An ended run's loss slice: whole through REST; filling frame by frame on the stream."""
    whole = wait_until(
        lambda: (
            (
                r := client.get(f"/api/runs/{run_id}/probes/loss_landscape", params={"grid": 9})
            ).status_code
            != 429
            and r
        ),
        what="the probe budget",
    )
    assert whole.status_code == 200, whole.json()
    assert whole.json()["rows_done"] == 9 and whole.json()["step"] == final
    assert all(math.isfinite(v) for row in whole.json()["arrays"]["loss"]["data"] for v in row)
    done: list[int] = []
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        ws.receive_json()
        ws.send_json({"type": "subscribe", "topics": ["loss_landscape"], "options": {"grid": 25}})
        while not done or done[-1] < 25 * 25:
            message = ws.receive()
            if message.get("bytes"):
                header, arrays = unpack_probe(message["bytes"])
                done.append(header["points_done"])
    # In pieces (each a worker time slice), so that other runs train in between.
    assert len(done) >= 2 and done == sorted(done) and np.isfinite(arrays["loss"]).all()


def test_a_run_that_never_trained_has_nothing_to_probe(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=digits_conv_run()).json()["id"]
    refused = client.get(f"/api/runs/{run_id}/probes/erf", params={"node": "c1"})
    assert refused.status_code == 409 and "no saved weights yet" in refused.json()["detail"]
    client.delete(f"/api/runs/{run_id}")


def test_through_rest_a_linear_regression_slice_is_a_quadratic_in_its_two_steps(
    client: TestClient,
) -> None:
    """A linear model's MSE is exactly quadratic along any plane: the slice is one, to 1e-5."""
    body = {
        "network": mlp([], out=1, loss="mse"),
        "dataset": {"name": "plane"},
        "training": {"optimizer": "sgd", "lr": 0.01, "max_steps": 1000},
        "device": "cpu",
    }
    run_id = client.post("/api/runs", json=body).json()["id"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 20})
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] == 20, what="20 steps")
    answer = client.get(
        f"/api/runs/{run_id}/probes/loss_landscape",
        params={"grid": 9, "span": 1.0, "keep_vectors": True},
    )
    assert answer.status_code == 200, answer.json()
    result = answer.json()
    alphas, betas = np.array(result["alphas"]), np.array(result["betas"])
    loss = np.array(result["arrays"]["loss"]["data"], dtype=np.float64)  # [betas, alphas]
    b, a = np.meshgrid(betas, alphas, indexing="ij")
    terms = np.stack([np.ones_like(a), a, b, a * a, a * b, b * b], axis=-1).reshape(-1, 6)
    coef, *_ = np.linalg.lstsq(terms, loss.reshape(-1), rcond=None)
    assert np.abs(terms @ coef - loss.reshape(-1)).max() < 1e-5 * max(1.0, np.abs(loss).max())
    assert coef[3] > 0 and coef[5] > 0  # a bowl along both directions, as MSE of a linear map is
    client.delete(f"/api/runs/{run_id}")


def test_the_loss_landscape_of_a_run_through_rest(client: TestClient) -> None:
    run_id = client.post("/api/runs", json=spiral_run(max_steps=400)).json()["id"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 60})
    wait_until(lambda: client.get(f"/api/runs/{run_id}").json()["step"] == 60, what="60 steps")
    answer = client.get(
        f"/api/runs/{run_id}/probes/loss_landscape", params={"grid": 7, "plane": "trajectory"}
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["arrays"]["loss"]["shape"] == [7, 7] and body["rows_done"] == 7
    assert body["plane"] == "trajectory" and body["arrays"]["path"]["shape"][1] == 2
    assert body["arrays"]["path"]["data"][-1] == [0.0, 0.0]  # the path ends at the weights now
    # That took probe time: the next probe may have to wait its turn (429), then is refused.
    bad = wait_until(
        lambda: (
            (
                r := client.get(f"/api/runs/{run_id}/probes/loss_landscape", params={"grid": 1000})
            ).status_code
            != 429
            and r
        ),
        what="the probe budget",
    )
    assert bad.status_code == 422 and "grid" in bad.json()["detail"]
    client.delete(f"/api/runs/{run_id}")
