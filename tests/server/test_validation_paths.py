"""One spec, three doors: `layerlab validate --dataset`, POST /api/networks/validate and
POST /api/runs give the same answer, because whether the output fits is decided in models/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.cli import main
from tests.models.helpers import chain, mlp

SEGMENT = (
    ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
    ("relu", {}),
)
FLAT = ("flatten", {})
# name: (spec, dataset, words the refusal must contain, or None when it fits)
CASES: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "fits": (mlp([8]), "spiral", None),
    "too many classes": (mlp([8], out=3), "spiral", "2 classes"),
    "regression with cross-entropy": (mlp([8], out=2), "plane", "mse loss"),
    "regression, wide output": (mlp([8], out=3, loss="mse"), "plane", "targets of shape"),
    "bce on ten classes": (
        chain(FLAT, ("linear", {"out_features": 1}), loss="bce"),
        "digits",
        "two classes",
    ),
    "segmentation, wrong channels": (
        chain(*SEGMENT, ("conv2d", {"out_channels": 3, "kernel_size": 1})),
        "segmentation",
        "output must be",
    ),
    "segmentation fits": (
        chain(*SEGMENT, ("conv2d", {"out_channels": 5, "kernel_size": 1})),
        "segmentation",
        None,
    ),
    "images into a linear layer": (mlp([8]), "digits", "put a flatten"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cli_validate_and_create_agree(
    client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    spec, dataset, words = CASES[case]
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    code = main(["validate", str(path), "--dataset", dataset, "--json"])
    cli = json.loads(capsys.readouterr().out)
    api = client.post(
        "/api/networks/validate", json={"network": spec, "dataset": {"name": dataset}}
    ).json()
    created = client.post(
        "/api/runs", json={"network": spec, "dataset": {"name": dataset}, "device": "cpu"}
    )
    assert cli == api
    assert (code == 0) == api["valid"] == (created.status_code == 201) == (words is None)
    if words is None:
        client.delete(f"/api/runs/{created.json()['id']}")
        return
    assert created.json()["errors"] == api["errors"]
    assert any(words in e["message"] for e in api["errors"]), api["errors"]
