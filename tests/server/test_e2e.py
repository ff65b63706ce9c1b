"""End to end: a real `layerlab serve` process, driven by the Python client over HTTP and WS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from safetensors.torch import load_file

from models.train import Trainer
from server.cli import main as cli_main
from server.client import LayerLabClient
from tests.server.conftest import created_status, spiral_run
from tests.server.servers import Server, ServerPool, wait_for

DEADLINE_S = 60.0  # to reach each milestone on a loaded machine
NEW_LR = 0.002


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server on a free port and a temporary data directory, shared by this module."""
    with ServerPool(tmp_path_factory.mktemp("e2e")) as pool:
        yield pool.start()


class StreamLog:
    """Every metrics row the raw stream delivers, with any step it repeats."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []  # first delivery of each step, in arrival order
        self.repeats: list[dict[str, Any]] = []
        self.history_end: int | None = None  # last step of the history batch sent first
        self.statuses: list[str] = []

    def add(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        """Record one frame; the rows it brought that were new."""
        if frame.get("type") == "status":
            self.statuses.append(frame["status"])
            return []
        assert frame.get("type") == "metrics", frame
        new = []
        for row in frame["rows"]:
            if self.rows and row["step"] <= self.rows[-1]["step"]:
                self.repeats.append(row)
            else:
                self.rows.append(row)
                new.append(row)
        if self.history_end is None:
            self.history_end = self.rows[-1]["step"] if self.rows else -1
        return new


def test_train_pause_change_lr_resume_stop(server: Server) -> None:
    client = server.client()
    assert client.health()["device"] == "cpu"
    run = client.create_run(spiral_run(max_steps=1_000_000))
    run_id = run["id"]
    assert run["status"] == "created" and run["config"]["training"]["lr"] == 0.01
    client.control(run_id, "start")

    log = StreamLog()
    frames = cast(
        Generator[Any, None, None],
        client.stream(run_id, ("metrics",), max_hz=20, since=-1, timeout=30),
    )
    phase, deadline = "learn", time.monotonic() + DEADLINE_S
    step_at_pause = -1
    try:
        for frame in frames:
            assert not isinstance(frame, tuple), "only JSON frames were asked for"
            new = log.add(frame)
            if frame.get("type") == "status" and frame["status"] in ("failed", "completed"):
                pytest.fail(f"the run ended early: {frame}")
            if phase == "learn" and any((r["test_acc"] or 0) >= 0.9 for r in new):
                client.control(run_id, "pause")
                paused = client.wait_for_status(run_id, ["paused"], timeout=DEADLINE_S)
                step_at_pause = paused["step"]
                assert paused["checkpoint"], "pausing checkpoints the run"
                patched = client.update_training(run_id, lr=NEW_LR)
                assert patched["config"]["training"]["lr"] == NEW_LR
                client.control(run_id, "resume")
                phase, deadline = "new lr", time.monotonic() + DEADLINE_S
            elif phase == "new lr" and any(r["lr"] == NEW_LR for r in new):
                client.control(run_id, "stop")
                phase, deadline = "stop", time.monotonic() + DEADLINE_S
            elif phase == "stop" and log.statuses and log.statuses[-1] == "stopped":
                break
            assert time.monotonic() < deadline, f"stuck at '{phase}' after {len(log.rows)} rows"
    finally:
        frames.close()

    record = client.wait_for_status(run_id, ["stopped"], timeout=DEADLINE_S)
    history = client.metrics(run_id)
    steps = [r["step"] for r in history]
    by_step = {r["step"]: r for r in history}
    streamed = [r["step"] for r in log.rows]

    # The store: every step once, in order, ending where the run stopped.
    assert steps == sorted(set(steps)) and steps[-1] == record["step"]
    # The stream: strictly increasing, every row it delivered stored as it was delivered.
    assert streamed == sorted(set(streamed)) and len(streamed) > 3
    missing = [s for s in streamed if s not in by_step]
    assert not missing, f"streamed steps not in the history: {missing[:10]}"
    assert all(by_step[r["step"]] == r for r in log.rows)
    # None lost live: between its first and last row the stream gave every stored step.
    window = [s for s in steps if streamed[0] <= s <= streamed[-1]]
    assert window == streamed, sorted(set(window) ^ set(streamed))[:10]
    # Only history rows may come twice (the documented overlap with the first live rows).
    assert log.history_end is not None
    assert all(r["step"] <= log.history_end and by_step[r["step"]] == r for r in log.repeats)
    # Status frames keep only the newest, so a quick one may be skipped; the last is the stop.
    assert log.statuses[0] in ("queued", "running") and log.statuses[-1] == "stopped"
    # The run learnt before the pause, and the lr change shows in every row after it.
    assert max((r["test_acc"] or 0) for r in history if r["step"] <= step_at_pause) >= 0.9
    assert {r["lr"] for r in history if r["step"] <= step_at_pause} == {0.01}
    after = [r for r in history if r["step"] > step_at_pause]
    assert after and {r["lr"] for r in after} == {NEW_LR}
    assert record["config"]["training"]["lr"] == NEW_LR and record["finished_at"]


def test_stream_metrics_gives_rows_in_order(server: Server) -> None:
    """The client's row iterator: each step once, in order, all stored; it ends with the run."""
    client: LayerLabClient = server.client()
    run_id = client.create_run(spiral_run(max_steps=600))["id"]
    client.control(run_id, "start")
    rows = list(client.stream_metrics(run_id, timeout=DEADLINE_S))
    assert client.run(run_id)["status"] == "completed"
    steps = [r["step"] for r in rows]
    assert steps == sorted(set(steps))
    assert set(steps) <= {r["step"] for r in client.metrics(run_id)}


def test_stream_metrics_yields_every_row_to_the_end(server: Server) -> None:
    client = server.client()
    run_id = client.create_run(spiral_run(max_steps=600))["id"]
    client.control(run_id, "start")
    client.wait_for_status(run_id, ["completed"], timeout=DEADLINE_S)
    history = [r["step"] for r in client.metrics(run_id)]
    replay = [r["step"] for r in client.stream_metrics(run_id, timeout=DEADLINE_S)]
    assert replay == history, f"{len(replay)} rows streamed, {len(history)} stored"


def test_status_frames_do_not_overtake_metric_rows(server: Server) -> None:
    client = server.client()
    run_id = client.create_run(spiral_run(max_steps=1000))["id"]
    # A slow metrics rate: the last rows are still waiting for their slot when the run ends.
    frames = cast(
        Generator[Any, None, None],
        client.stream(run_id, ("metrics",), max_hz=0.2, timeout=DEADLINE_S),
    )
    try:
        assert next(frames) == created_status(run_id)
        client.control(run_id, "start")
        last_step = 0
        for frame in frames:
            assert isinstance(frame, dict)
            if frame["type"] == "metrics" and frame["rows"]:
                last_step = frame["rows"][-1]["step"]
            elif frame["type"] == "status" and frame["status"] == "completed":
                break
    finally:
        frames.close()
    assert last_step == 1000, f"the completed status came before the rows after step {last_step}"


def test_layerlab_export_saves_a_run_s_spec_weights_and_script(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = server.client()
    run = client.create_run(spiral_run(max_steps=200))
    client.control(run["id"], "step", 30)
    wait_for(lambda: client.run(run["id"])["checkpoint_step"] == 30, what="a checkpoint")
    spec_path, weights_path = tmp_path / "run.json", tmp_path / "weights.safetensors"
    script_path = tmp_path / "run.py"
    for fmt, path in (
        ("spec", spec_path),
        ("safetensors", weights_path),
        ("pytorch", script_path),
    ):
        argv = ["export", run["id"], "--format", fmt, "--url", client.base_url, "--out", str(path)]
        assert cli_main(argv) == 0
        assert f"wrote {path}" in capsys.readouterr().out
    spec = json.loads(spec_path.read_text())
    assert spec == client.run(run["id"])["config"]
    network = Trainer(spec["network"], "spiral", spec["training"]).model
    network.load_state_dict(load_file(str(weights_path)))  # every weight, by its own name
    assert client.create_run(spec)["config"] == spec  # the spec makes the run again
    # The script loads the weights it came with and evaluates them, in its own interpreter.
    evaluated = subprocess.run(
        [sys.executable, "-I", str(script_path), "--weights", str(weights_path), "--device", "cpu"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert re.search(r"test: loss \d", evaluated.stdout), evaluated.stdout
