"""A full class on one real server: forty students' runs and streams, and the teacher's grid.

The benchmark `bench/classroom.py` is the measurement (two minutes, figures in its output);
this runs it shorter, as a test, with the same goals.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.serial
def test_forty_students_all_progress_fairly_with_the_api_quick_and_memory_flat(
    tmp_path: Path,
) -> None:
    out = tmp_path / "classroom.json"
    command = [sys.executable, str(REPO / "bench" / "classroom.py"), "--students", "40"]
    command += ["--seconds", "30", "--warmup", "10", "--device", "cpu", "--json", str(out)]
    done = subprocess.run(
        command, check=False, cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())
    assert figures["failures"] == []
    assert len(figures["gained"]) == 39 and min(figures["gained"].values()) > 0
    assert figures["spread"] <= 2.0 and figures["overall"]["p99"] < 100
    assert min(figures["frames"].values()) > 0
    assert figures["spotlit"]["x_median"] > 1.0
