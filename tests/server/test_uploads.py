"""POST /api/datasets and DELETE /api/datasets/{id}: uploads checked, stored, trained, removed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import UPLOADS_AT_ONCE, create_app
from server.routers import uploads as uploads_router
from tests.models import upload_files as files
from tests.models.helpers import chain, mlp
from tests.server.conftest import make_settings, wait_until

MAX_UPLOAD = 200_000
FEATURES = "sepal_length,sepal_width,petal_length,petal_width"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A server with small upload limits, so that going over them is cheap."""
    settings = make_settings(
        tmp_path_factory.mktemp("data"),
        max_upload_bytes=MAX_UPLOAD,
        max_unzipped_bytes=2_000_000,
        max_body_bytes=64 * 1024,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def uploads_dir(client: TestClient) -> Path:
    return Path(client.app.state.settings.data_dir) / "uploads"  # type: ignore[attr-defined]


def on_disk(client: TestClient) -> set[str]:
    """Everything in the uploads folder (staging folders and locks included)."""
    folder = uploads_dir(client)
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def upload(
    client: TestClient,
    data: bytes,
    filename: str,
    headers: dict[str, str] | None = None,
    **form: Any,
) -> Any:
    return client.post(
        "/api/datasets", files={"file": (filename, data)}, data=form, headers=headers or {}
    )


def uploaded(client: TestClient, data: bytes, filename: str, **form: Any) -> dict[str, Any]:
    answer = upload(client, data, filename, **form)
    assert answer.status_code == 201, answer.json()
    body: dict[str, Any] = answer.json()
    return body


def train(client: TestClient, network: dict[str, Any], name: str, steps: int) -> dict[str, Any]:
    """Create, start and finish a run on a dataset; its last evaluated metrics."""
    body = {
        "name": f"on {name}",
        "network": network,
        "dataset": {"name": name, "params": {}},
        "training": {"optimizer": "adam", "lr": 0.01, "batch_size": 16, "max_steps": steps},
        "device": "cpu",
    }
    made = client.post("/api/runs", json=body)
    assert made.status_code == 201, made.json()
    run_id = made.json()["id"]
    assert client.post(f"/api/runs/{run_id}/start").status_code == 200
    wait_until(
        lambda: client.get(f"/api/runs/{run_id}").json()["status"] in ("completed", "failed"),
        timeout=120,
        what="the run to finish",
    )
    record = client.get(f"/api/runs/{run_id}").json()
    assert record["status"] == "completed", record
    rows = client.get(f"/api/runs/{run_id}/metrics").json()
    evaluated = [r for r in rows if r["test_loss"] is not None]
    return {"id": run_id, "first": evaluated[0], "last": evaluated[-1]}


# --- trained on, through the real server and worker ---------------------------------


def test_a_csv_upload_trains_in_a_run_to_better_than_chance(client: TestClient) -> None:
    entry = uploaded(client, files.blobs_csv(), "iris.csv", label="species", features=FEATURES)
    assert entry["name"] == f"upload-{entry['upload']['id']}"
    assert entry["input_shape"] == [4] and entry["class_names"] == list(files.CLASS_NAMES)
    assert entry["task"] == "classification" and entry["upload"]["features"] == FEATURES.split(",")
    result = train(client, mlp([16], out=3), entry["name"], 300)
    assert result["last"]["test_acc"] > 0.8  # chance is 1/3


def test_an_image_folder_upload_trains_in_a_run_to_better_than_chance(client: TestClient) -> None:
    entry = uploaded(client, files.class_folders_zip(24), "pictures.zip", size=16, channels=3)
    assert entry["input_shape"] == [3, 16, 16] and entry["class_names"] == [
        "horizontal",
        "vertical",
    ]
    cnn = chain(
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("maxpool2d", {"kernel_size": 2}),
        ("flatten", {}),
        ("linear", {"out_features": 2}),
    )
    result = train(client, cnn, entry["name"], 150)
    assert result["last"]["test_acc"] > 0.75  # chance is 1/2


def test_a_segmentation_upload_trains_in_a_run(client: TestClient) -> None:
    entry = uploaded(client, files.segmentation_zip(20), "scenes.zip", size=16, channels=1)
    assert entry["task"] == "segmentation" and entry["upload"]["kind"] == "segmentation"
    assert entry["input_shape"] == [1, 16, 16] and entry["n_classes"] == 2
    net = chain(
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("conv2d", {"out_channels": 2, "kernel_size": 1}),
    )
    result = train(client, net, entry["name"], 150)
    assert result["last"]["train_loss"] < result["first"]["train_loss"] * 0.5


# --- refused, saying where, leaving nothing -----------------------------------------


def _bad_csv(cell: str) -> bytes:
    rows = [f"{i}.5,{i % 3},{'ab'[i % 2]}" for i in range(20)]
    rows[4] = f"1.5,{cell},a"
    return ("x,y,label\n" + "\n".join(rows) + "\n").encode()


def _non_image() -> bytes:
    members = files.class_folders_members(6)
    members["pictures/vertical/notes.png"] = b"not a picture at all"
    return files.zip_of(members)


BAD_FILES = {
    "escaping zip": (files.escaping_zip, "p.zip", {}, ["'pictures/../../evil.png'", "outside"]),
    "zip bomb": (lambda: files.bomb_zip(3_000_000), "b.zip", {}, ["unpacks to", "2,000,000"]),
    "lying zip": (files.lying_zip, "b.zip", {}, ["'pictures/vertical/liar.png'"]),
    "non-image": (_non_image, "p.zip", {}, ["pictures/vertical/notes.png", "not a PNG or JPEG"]),
    "NaN cell": (lambda: _bad_csv("NaN"), "t.csv", {"label": "label"}, ["row 6", "'y'", "NaN"]),
    "text cell": (lambda: _bad_csv("x7"), "t.csv", {"label": "label"}, ["row 6", "'y'", "'x7'"]),
    "no label column": (
        lambda: _bad_csv("1"),
        "t.csv",
        {"label": "species"},
        ["no column 'species'", "'x', 'y', 'label'"],
    ),
    "over-size": (
        lambda: b"a,b\n" * (MAX_UPLOAD // 4 + 10),
        "big.csv",
        {"label": "b"},
        ["big.csv", f"at most {MAX_UPLOAD:,} bytes"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_422_that_says_where_and_leaves_nothing(
    client: TestClient, case: str
) -> None:
    make, filename, form, words = BAD_FILES[case]
    uploaded(client, files.blobs_csv(), "iris.csv", label="species")  # the folder exists
    before, listed = on_disk(client), client.get("/api/datasets").json()
    answer = upload(client, make(), filename, **form)
    assert answer.status_code == 422, answer.json()
    body = answer.json()
    message = body["detail"]
    for word in words:
        assert word in message, (word, message)
    assert body["errors"][0]["field"] in ("file", "label") and filename in message
    assert on_disk(client) == before
    assert not any(name.startswith(".staging") for name in on_disk(client))
    assert client.get("/api/datasets").json() == listed


def test_a_body_larger_than_any_upload_gets_a_413(client: TestClient) -> None:
    before = on_disk(client)
    answer = upload(client, b"0" * (MAX_UPLOAD + 2 * 1024 * 1024), "huge.csv", label="a")
    assert answer.status_code == 413 and answer.json()["errors"]
    assert on_disk(client) == before
    # Other bodies keep the server's small limit.
    assert client.post("/api/runs", content=b"{" * (65 * 1024)).status_code == 413


def test_bad_form_fields_are_named(client: TestClient) -> None:
    answer = upload(client, files.class_folders_zip(6), "p.zip", channels="2")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "channels"
    answer = upload(client, files.class_folders_zip(6), "p.zip", size="4")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "size"
    answer = upload(client, files.blobs_csv(), "iris.csv", label="species", task="segmentation")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "task"


# --- listed, previewed, deleted ------------------------------------------------------


def test_an_upload_is_listed_previewed_and_deleted(client: TestClient) -> None:
    builtins = [e for e in client.get("/api/datasets").json() if "upload" not in e]
    assert builtins and all(not e["name"].startswith("upload-") for e in builtins)
    entry = uploaded(client, files.class_folders_zip(8), "pictures.zip", size=12, channels=1)
    name, dataset_id = entry["name"], entry["upload"]["id"]
    listed = {e["name"]: e for e in client.get("/api/datasets").json()}
    assert listed[name] == entry and listed[name]["upload"]["deletable"] is True
    assert listed[name]["params_schema"]["properties"]["train_fraction"]["default"] == 0.8
    preview = client.post(f"/api/datasets/{name}/preview", json={"n": 4})
    assert preview.status_code == 200, preview.json()
    shown = preview.json()
    assert len(shown["train_x"]) == 4 and len(shown["train_x"][0]) == 1
    assert shown["class_names"] == ["horizontal", "vertical"]
    assert all(0 <= v <= 1 for row in shown["train_x"][0][0] for v in row)

    assert client.delete(f"/api/datasets/{dataset_id}").status_code == 204
    assert name not in {e["name"] for e in client.get("/api/datasets").json()}
    assert dataset_id not in on_disk(client)
    assert client.post(f"/api/datasets/{name}/preview", json={}).status_code == 404
    assert client.delete(f"/api/datasets/{dataset_id}").status_code == 404
    assert client.delete("/api/datasets/digits").status_code == 404
    run = {"network": mlp([4]), "dataset": {"name": name}, "device": "cpu"}
    refused = client.post("/api/runs", json=run)
    assert refused.status_code == 422 and "deleted" in refused.json()["errors"][0]["message"]


def test_a_dataset_a_run_still_uses_is_not_deleted(client: TestClient) -> None:
    entry = uploaded(client, files.blobs_csv(), "iris.csv", label="species")
    name, dataset_id = entry["name"], entry["upload"]["id"]
    body = {"name": "waiting", "network": mlp([4], out=3), "dataset": {"name": name}}
    run_id = client.post("/api/runs", json={**body, "device": "cpu"}).json()["id"]
    refused = client.delete(f"/api/datasets/{name}")
    assert refused.status_code == 409
    assert "'waiting' (created)" in refused.json()["detail"]
    assert dataset_id in on_disk(client)
    assert client.post(f"/api/runs/{run_id}/stop").status_code == 200
    # A finished run keeps its record and curves; the dataset goes.
    assert client.delete(f"/api/datasets/{name}").status_code == 204
    assert client.get(f"/api/runs/{run_id}").json()["status"] == "stopped"
    fork = client.post(f"/api/runs/{run_id}/fork", json={})
    assert fork.status_code == 422 and "deleted" in str(fork.json())


def test_a_run_on_an_upload_exports_its_spec_report_and_script(client: TestClient) -> None:
    entry = uploaded(client, files.blobs_csv(), "iris.csv", label="species")
    body = {"network": mlp([4], out=3), "dataset": {"name": entry["name"]}, "device": "cpu"}
    run_id = client.post("/api/runs", json=body).json()["id"]
    spec = client.get(f"/api/runs/{run_id}/export?format=spec")
    assert spec.status_code == 200 and spec.json()["dataset"]["name"] == entry["name"]
    report = client.get(f"/api/runs/{run_id}/export?format=report")
    assert report.status_code == 200 and entry["name"] in report.text
    nodes = {n["id"] for n in body["network"]["nodes"]}  # type: ignore[index]
    assert set(re.findall(r"<g data-node='([^']+)'>", report.text)) == nodes  # drawn with shapes
    script = client.get(f"/api/runs/{run_id}/export?format=pytorch")
    assert script.status_code == 200 and "class Net(nn.Module):" in script.text
    client.delete(f"/api/runs/{run_id}")


# --- whose it is ----------------------------------------------------------------------


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[TestClient]:
    """A server listening beyond this machine: uploads belong to a class."""
    settings = make_settings(tmp_path).model_copy(update={"host": "0.0.0.0"})
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(member: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {member['token']}"}


def test_on_a_shared_server_an_upload_is_its_class_s(shared: TestClient) -> None:
    csv = files.blobs_csv()
    assert upload(shared, csv, "iris.csv", label="species").status_code == 403
    teacher = shared.post("/api/classes", json={"name": "A"}).json()
    code = teacher["code"]
    alice = shared.post("/api/classes/join", json={"code": code, "name": "Alice"}).json()
    bob = shared.post("/api/classes/join", json={"code": code, "name": "Bob"}).json()
    other = shared.post("/api/classes", json={"name": "B"}).json()

    theirs = upload(shared, csv, "iris.csv", bearer(teacher), label="species").json()
    alices = upload(shared, csv, "mine.csv", bearer(alice), label="species").json()

    def names(who: dict[str, Any] | None) -> set[str]:
        entries = shared.get("/api/datasets", headers=bearer(who) if who else {}).json()
        return {e["name"] for e in entries if "upload" in e}

    assert names(teacher) == {theirs["name"], alices["name"]}
    assert names(alice) == {theirs["name"], alices["name"]}
    assert names(bob) == {theirs["name"]}  # the teacher's, not another student's
    assert names(other) == set() and names(None) == set()

    preview = f"/api/datasets/{alices['name']}/preview"
    assert shared.post(preview, json={}, headers=bearer(bob)).status_code == 403
    assert shared.post(preview, json={}, headers=bearer(other)).status_code == 403
    assert shared.post(preview, json={}).status_code == 401
    assert shared.post(preview, json={}, headers=bearer(teacher)).status_code == 200
    run = {"network": mlp([4], out=3), "dataset": {"name": alices["name"]}, "device": "cpu"}
    check = {"network": run["network"], "dataset": run["dataset"]}
    assert shared.post("/api/networks/validate", json=check, headers=bearer(bob)).status_code == 403
    assert shared.post("/api/networks/validate", json=check).status_code == 401
    validated = shared.post("/api/networks/validate", json=check, headers=bearer(alice))
    assert validated.status_code == 200 and validated.json()["valid"] is True
    assert shared.post("/api/runs", json=run, headers=bearer(bob)).status_code == 403
    # A network that does not fit is refused as not his too: its errors would tell the shape.
    misfit = {**run, "network": chain(("conv2d", {"out_channels": 2}), ("flatten", {}))}
    assert shared.post("/api/runs", json=misfit, headers=bearer(bob)).status_code == 403
    assert shared.post("/api/runs", json=misfit, headers=bearer(alice)).status_code == 422
    assert shared.post("/api/runs", json=run, headers=bearer(alice)).status_code == 201

    teachers = f"/api/datasets/{theirs['upload']['id']}"
    assert shared.delete(teachers, headers=bearer(alice)).status_code == 403
    assert shared.delete(teachers, headers=bearer(other)).status_code == 403
    assert shared.delete(teachers).status_code == 401
    assert shared.delete(teachers, headers=bearer(teacher)).status_code == 204
    entries = shared.get("/api/datasets", headers=bearer(alice)).json()
    mine = next(e for e in entries if e["name"] == alices["name"])
    assert mine["upload"]["deletable"] is True


def test_an_upload_that_waits_too_long_for_its_turn_is_asked_to_come_back(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads_router, "QUEUE_S", 0.2)
    slots = client.app.state.uploads  # type: ignore[attr-defined]
    held = [slots.acquire(timeout=5) for _ in range(UPLOADS_AT_ONCE)]  # two uploads being read
    assert all(held)
    before = on_disk(client)
    try:
        answer = upload(client, files.blobs_csv(), "iris.csv", label="species")
    finally:
        for _ in held:
            slots.release()
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "send it again" in answer.json()["detail"] and on_disk(client) == before
    assert upload(client, files.blobs_csv(), "iris.csv", label="species").status_code == 201
