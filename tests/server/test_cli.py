"""The `layerlab` command line: validate and local runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from server.cli import main
from tests.models.helpers import chain, mlp
from tests.models.test_spec import CONTRACT_EXAMPLE


def write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def test_validate_prints_shapes_and_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", write(tmp_path / "s.json", CONTRACT_EXAMPLE), "--dataset", "digits"])
    out = capsys.readouterr().out
    assert code == 0
    assert "16x8x8" in out and "4x4 (jump 2)" in out and "total parameters: 2,730" in out


def test_validate_reports_errors_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = chain(("linear", {"out_features": 4}))
    code = main(["validate", write(tmp_path / "s.json", spec), "--input-shape", "1,8,8"])
    assert code == 1
    assert "error: n0: linear needs a vector" in capsys.readouterr().out


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "validate",
            write(tmp_path / "s.json", CONTRACT_EXAMPLE),
            "--input-shape",
            "1,8,8",
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] and report["nodes"]["p1"]["receptive_field"]["size"] == [4, 4]


def test_run_trains_and_writes_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = {
        "name": "xor",
        "network": mlp([8]),
        "dataset": {"name": "xor", "params": {"n_samples": 200}},
        "training": {"optimizer": "adam", "lr": 0.05, "max_steps": 300},
        "device": "cpu",
    }
    metrics = tmp_path / "m.csv"
    code = main(["run", write(tmp_path / "run.json", config), "--csv", str(metrics), "--quiet"])
    assert code == 0
    rows = list(csv.DictReader(metrics.open()))
    assert [int(r["step"]) for r in rows] == list(range(50, 301, 50))
    assert float(rows[-1]["test_acc"]) > 0.9
    assert "step 300" in capsys.readouterr().out


def test_run_reports_spec_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = {"network": mlp([8], out=3), "dataset": {"name": "xor"}}
    assert main(["run", write(tmp_path / "run.json", config), "--quiet"]) == 1
    assert "error: out.shape" in capsys.readouterr().err


def test_run_rejects_bad_config(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a valid run"):
        main(
            [
                "run",
                write(
                    tmp_path / "run.json",
                    {"network": {}, "dataset": {"name": "xor"}, "training": {"lr": -1}},
                ),
            ]
        )
