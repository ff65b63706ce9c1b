"""The server survives its worker dying, its own restarts and crashes, and viewers that stall."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.client import LayerLabClient
from server.worker import checkpoint_name
from tests.server.conftest import make_settings, spiral_run, wait_until
from tests.server.servers import (
    Server,
    ServerPool,
    SlowViewer,
    checkpoint_step,
    server_connected,
    server_send_queue,
    wait_for,
)

TIMEOUT_S = 60.0


def _record(client: TestClient, run_id: str) -> dict[str, Any]:
    record: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
    return record


def test_worker_killed_mid_run_fails_its_runs_and_a_new_worker_trains(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        run_id = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        client.post(f"/api/runs/{run_id}/start")
        wait_until(lambda: _record(client, run_id)["step"] > 100, TIMEOUT_S, "training")
        pid = app.state.manager.worker_pid
        assert pid is not None

        os.kill(pid, signal.SIGKILL)

        failed = wait_until(
            lambda: (r := _record(client, run_id))["status"] == "failed" and r,
            TIMEOUT_S,
            "the run to fail",
        )
        assert "training process" in failed["error"] and "stopped unexpectedly" in failed["error"]
        assert failed["error"].endswith("Start a new run to train again.")
        assert failed["finished_at"]
        wait_until(
            lambda: client.get("/api/health").json()["worker_restarts"] == 1,
            TIMEOUT_S,
            "the restart to be counted",
        )
        health = client.get("/api/health").json()
        assert health["status"] == "ok" and health["worker_restarts"] == 1
        assert app.state.manager.worker_pid not in (None, pid)
        # The server kept answering, the lost run keeps its history and cannot go on.
        assert any(r["id"] == run_id for r in client.get("/api/runs").json())
        assert client.get(f"/api/runs/{run_id}/metrics").json()
        assert client.post(f"/api/runs/{run_id}/resume").status_code == 409

        new_id = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        assert client.post(f"/api/runs/{new_id}/start").status_code == 200
        wait_until(lambda: _record(client, new_id)["step"] > 100, TIMEOUT_S, "the new run")
        assert _record(client, new_id)["status"] == "running"
        assert client.get("/api/health").json()["worker_restarts"] == 1
        client.post(f"/api/runs/{new_id}/stop")
        wait_until(lambda: _record(client, new_id)["status"] == "stopped", TIMEOUT_S, "stopped")


def _train_to(client: LayerLabClient, run_id: str, step: int, checkpointed: bool = False) -> None:
    """Wait until the run has passed `step` (and, if asked, recorded a checkpoint)."""
    wait_for(
        lambda: (
            (r := client.run(run_id))["step"] >= step
            and r["status"] == "running"
            and ((r["checkpoint_step"] or 0) > 0 or not checkpointed)
        ),
        TIMEOUT_S,
        f"step {step}",
    )


def _restarted(pool: ServerPool, run_id: str) -> tuple[Server, LayerLabClient, dict[str, Any]]:
    """A new server on the same data directory, and the interrupted run as it sees it."""
    server = pool.start()
    client = server.client()
    record = client.run(run_id)
    assert any(r["id"] == run_id for r in client.runs())
    assert record["status"] == "paused", record
    assert record["error"] and "interrupted" in record["error"], record
    return server, client, record


def _resume(client: LayerLabClient, run_id: str, past: int) -> list[dict[str, Any]]:
    """Resume, train on past step `past`; the rows written since the resume, by step."""
    since = time.time()
    client.control(run_id, "resume")
    wait_for(
        lambda: (r := client.run(run_id))["status"] == "running" and r["step"] > past,
        TIMEOUT_S,
        f"the resumed run to pass step {past}",
    )
    record = client.run(run_id)
    assert record["error"] is None
    rows = client.metrics(run_id)
    steps = [r["step"] for r in rows]
    assert steps == sorted(set(steps))
    return [r for r in rows if (r["time"] or 0) > since]


def _assert_kept(before: list[dict[str, Any]], after: list[dict[str, Any]], upto: int) -> None:
    """Every row seen before the restart, up to step `upto`, is stored unchanged."""
    by_step = {r["step"]: r for r in after}
    kept = [r for r in before if r["step"] <= upto]
    assert kept, "no history to compare"
    lost = [r["step"] for r in kept if by_step.get(r["step"]) != r]
    assert not lost, f"rows lost or changed by the restart: {lost[:10]}"


def test_graceful_restart_resumes_from_the_checkpoint(tmp_path: Path) -> None:
    with ServerPool(tmp_path) as pool:
        first = pool.start()
        client = first.client()
        run_id = client.create_run(spiral_run(max_steps=1_000_000))["id"]
        client.control(run_id, "start")
        _train_to(client, run_id, 300)

        first.terminate()  # SIGTERM to the server alone: it shuts down and checkpoints

        _, client, record = _restarted(pool, run_id)
        step = record["step"]
        assert step >= 300 and record["checkpoint"]
        assert checkpoint_step(first.data_dir / record["checkpoint"]) == step
        history = client.metrics(run_id)
        assert history and history[-1]["step"] == step
        new = _resume(client, run_id, step + 200)
        assert new, "no rows since the resume"
        first_new = min(r["step"] for r in new)
        assert step < first_new <= step + 1000, f"resumed at {first_new}, not after {step}"
        _assert_kept(history, client.metrics(run_id), step)
        client.control(run_id, "stop")
        client.wait_for_status(run_id, ["stopped"], timeout=TIMEOUT_S)


def test_hard_kill_resumes_from_the_last_periodic_checkpoint(tmp_path: Path) -> None:
    with ServerPool(tmp_path, LAYERLAB_CHECKPOINT_S="0.5") as pool:
        first = pool.start()
        client = first.client()
        run_id = client.create_run(spiral_run(max_steps=1_000_000))["id"]
        client.control(run_id, "start")
        _train_to(client, run_id, 300, checkpointed=True)
        seen = client.metrics(run_id)
        path = first.data_dir / client.run(run_id)["checkpoint"]

        first.kill()  # SIGKILL to the server and its worker: nothing gets to clean up

        saved = checkpoint_step(path)
        assert saved > 0
        _, client, record = _restarted(pool, run_id)
        # Cut back to the checkpoint: one timeline, and the note names the step it resumes at
        # (the kill may land between a checkpoint's file and its record: the record's step
        # is then that of the checkpoint before, which the file replaced).
        assert record["step"] in (saved, record["checkpoint_step"])
        assert f"from step {record['step']}," in record["error"]
        history = client.metrics(run_id)
        assert history and history[-1]["step"] <= record["step"]
        _assert_kept(seen, history, record["step"])
        new = _resume(client, run_id, record["step"] + 200)
        first_new = min(r["step"] for r in new)
        assert saved < first_new <= saved + 1000, f"resumed at {first_new}, checkpoint {saved}"
        _assert_kept(seen, client.metrics(run_id), saved)
        client.control(run_id, "stop")
        client.wait_for_status(run_id, ["stopped"], timeout=TIMEOUT_S)


def test_ctrl_c_in_a_terminal_checkpoints_before_exit(tmp_path: Path) -> None:
    with ServerPool(tmp_path, LAYERLAB_CHECKPOINT_S="3600") as pool:  # no periodic checkpoint
        server = pool.start()
        client = server.client()
        run_id = client.create_run(spiral_run(max_steps=1_000_000))["id"]
        client.control(run_id, "start")
        _train_to(client, run_id, 300)

        server.signal_group(signal.SIGINT)  # what a terminal sends on Ctrl-C
        server.wait()

        # The shutdown's checkpoint is the only one this run can have.
        path = server.data_dir / checkpoint_name(run_id)
        assert path.exists(), "the server exited without checkpointing the running run"
        assert checkpoint_step(path) >= 300


def _cpu_s(pid: int) -> float:
    """CPU seconds a process has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.serial
def test_stalled_viewers_neither_slow_training_nor_grow_memory(tmp_path: Path) -> None:
    """Viewers that subscribe and never read: training speed and server memory stay put.

    Half-second phases alternate, alone and watched by fresh stalled viewers, on one run;
    each watched phase is compared with the alone phases either side of it, so that the
    load of a shared machine falls on both alike. The median of these paired ratios must
    stay within 10%; while it does not, more cycles are measured (at most 36 in all).
    """
    phase_s, cycles = 0.5, 12
    # Short slices: 100 metric rows a second, so the viewers' sockets fill within a phase.
    with ServerPool(tmp_path, LAYERLAB_SLICE_S="0.01") as pool:
        server = pool.start()
        client = server.client()
        run_id = client.create_run(spiral_run(max_steps=1_000_000))["id"]
        client.control(run_id, "start")
        _train_to(client, run_id, 2000)  # warmed up

        path = f"/api/runs/{run_id}/stream"
        viewers_per_phase = 2
        spans: list[tuple[str, float, float]] = []
        cpu = {"alone": 0.0, "watched": 0.0}
        baseline, rss, backlog = server.rss_bytes(), [0], 0

        def phase(kind: str) -> None:
            used, start = _cpu_s(server.pid), time.time()
            time.sleep(phase_s)
            spans.append((kind, start, time.time()))
            cpu[kind] += _cpu_s(server.pid) - used

        ratio, ratios = 0.0, []
        phase("alone")
        for _ in range(3):
            for _ in range(cycles):
                viewers = [SlowViewer(server.port, path) for _ in range(viewers_per_phase)]
                for viewer in viewers:
                    viewer.send_json({"type": "subscribe", "topics": ["metrics"], "max_hz": 60})
                phase("watched")
                rss.append(server.rss_bytes())
                backlog = max(
                    backlog, server_send_queue(server.port, {v.local_port for v in viewers})
                )
                for viewer in viewers:
                    viewer.close()
                phase("alone")
            rows = [r for r in client.metrics(run_id) if r["test_loss"] is None]
            medians = [
                statistics.median(
                    [r["steps_per_s"] for r in rows if a <= r["time"] <= b] or [float("nan")]
                )
                for _, a, b in spans
            ]
            ratios = [
                medians[i] / ((medians[i - 1] + medians[i + 1]) / 2)
                for i in range(1, len(spans) - 1, 2)
            ]
            # A phase without rows (NaN) tells nothing.
            ratios = [r for r in ratios if not math.isnan(r)]
            assert len(ratios) >= cycles // 2, medians
            ratio = statistics.median(ratios)
            if ratio >= 0.9:
                break
        client.control(run_id, "stop")

        assert ratio >= 0.9, f"training slowed while watched: {[f'{r:.2f}' for r in ratios]}"
        # The viewers really stalled: the server holds bytes it could not deliver to them.
        assert backlog > 0, "the viewers read everything; the test measured nothing"
        growth = max(rss) - baseline
        assert growth < 30 * 2**20, f"server RSS grew {growth / 2**20:.1f} MB"
        # Nor does the server spin on them: a tenth of a core at most beyond its work alone.
        watched_s = phase_s * sum(1 for kind, _, _ in spans if kind == "watched")
        alone_s = phase_s * sum(1 for kind, _, _ in spans if kind == "alone")
        extra = cpu["watched"] / watched_s - cpu["alone"] / alone_s
        assert extra < 0.1, f"the server used {extra:.2f} cores more while watched"
        assert client.health()["status"] == "ok"
        assert "Traceback" not in server.log(), server.log()[-4000:]


def test_a_dead_worker_fails_the_run_it_trained_and_brings_the_others_back(
    tmp_path: Path,
) -> None:
    app = create_app(make_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        ids = [
            client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
            for _ in range(2)
        ]
        for run_id in ids:
            client.post(f"/api/runs/{run_id}/start")
        for run_id in ids:
            wait_until(
                lambda r=run_id: (_record(client, r)["checkpoint_step"] or 0) > 0,
                TIMEOUT_S,
                "a periodic checkpoint",
            )
        handle = app.state.manager.worker
        os.kill(handle.process.pid, signal.SIGKILL)
        handle.process.join(TIMEOUT_S)
        culprit = handle.beacon.run_id()  # what the dead worker was training, as it left it
        assert culprit in ids

        failed = wait_until(
            lambda: (r := _record(client, culprit))["status"] == "failed" and r,
            TIMEOUT_S,
            "the run being trained to fail",
        )
        assert "while it trained this run" in failed["error"]
        (other,) = set(ids) - {culprit}
        kept = _record(client, other)["checkpoint_step"]
        wait_until(
            lambda: (r := _record(client, other))["status"] == "running" and r["step"] > kept + 100,
            TIMEOUT_S,
            "the other run to train on from its checkpoint",
        )
        steps = [r["step"] for r in client.get(f"/api/runs/{other}/metrics").json()]
        assert steps == sorted(set(steps))  # one timeline
        assert client.get("/api/health").json()["worker_restarts"] == 1
        client.post(f"/api/runs/{other}/stop")


def test_a_refused_store_write_fails_the_run_and_shows_in_health(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        run_id = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        client.post(f"/api/runs/{run_id}/start")
        wait_until(lambda: _record(client, run_id)["step"] > 100, TIMEOUT_S, "training")
        assert client.get("/api/health").json()["status"] == "ok"
        # Another program changes the table under the server: every metrics write now fails.
        with sqlite3.connect(tmp_path / "layerlab.db") as other:
            other.execute("ALTER TABLE metrics RENAME COLUMN train_loss TO renamed")

        failed = wait_until(
            lambda: (r := _record(client, run_id))["status"] == "failed" and r,
            TIMEOUT_S,
            "the run to fail",
        )
        assert "its history could not be saved" in failed["error"]
        assert "train_loss" in failed["error"], failed["error"]
        health = client.get("/api/health").json()
        assert health["status"] == "degraded"
        assert any("the database refused a write" in note for note in health["notes"])
        # The worker let go of it (the stop that followed did not undo the failure)...
        time.sleep(0.5)
        assert _record(client, run_id)["status"] == "failed"
        assert run_id not in app.state.manager.held
        # ...and its checkpoint was kept.
        assert (tmp_path / checkpoint_name(run_id)).exists()


def test_a_viewer_that_never_reads_is_dropped_after_the_stall_limit(tmp_path: Path) -> None:
    with ServerPool(tmp_path, LAYERLAB_SLICE_S="0.01", LAYERLAB_STREAM_STALL_S="2") as pool:
        server = pool.start()
        client = server.client()
        run_id = client.create_run(spiral_run(max_steps=1_000_000))["id"]
        client.control(run_id, "start")
        _train_to(client, run_id, 500)
        viewer = SlowViewer(server.port, f"/api/runs/{run_id}/stream")
        # Heavy frames, so that the kernel's buffers and then the server's fill in seconds.
        topics = ["metrics", "decision_boundary"]
        viewer.send_json({"type": "subscribe", "topics": topics, "max_hz": 60})
        # Its socket fills (the server holds bytes it cannot deliver)...
        wait_for(
            lambda: server_send_queue(server.port, {viewer.local_port}) > 0,
            TIMEOUT_S,
            "the viewer's socket to fill",
        )
        # ...and a few seconds later the server has dropped the connection.
        wait_for(
            lambda: not server_connected(server.port, viewer.local_port),
            TIMEOUT_S,
            "the server to drop the stalled viewer",
        )
        assert "read nothing for 2 s; its connection is dropped" in server.log()
        # A reading viewer and training carry on.
        assert client.run(run_id)["status"] == "running"
        client.control(run_id, "stop")
        viewer.close()


def test_a_run_nobody_watches_pauses_by_itself_and_a_watched_one_does_not(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path).model_copy(update={"idle_pause_s": 1.0})
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        alone = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        watched = client.post("/api/runs", json=spiral_run(max_steps=1_000_000)).json()["id"]
        with client.websocket_connect(f"/api/runs/{watched}/stream") as ws:
            ws.receive_json()
            for run_id in (alone, watched):
                client.post(f"/api/runs/{run_id}/start")
            hub = app.state.hub
            # Polled through the run list only, which reads no one run: nobody watches it.
            paused = wait_until(
                lambda: next(
                    (
                        r
                        for r in client.get("/api/runs").json()
                        if r["id"] == alone and r["status"] == "paused"
                    ),
                    None,
                ),
                TIMEOUT_S,
                "the unwatched run to pause",
            )
            assert "paused by itself: nobody watched it for 1 s" in paused["error"]
            assert hub.viewers(watched) == 1
            assert _record(client, watched)["status"] == "running"
            ws.send_json({"type": "control", "action": "stop"})
        resumed = client.post(f"/api/runs/{alone}/resume").json()
        assert resumed["status"] in ("running", "paused")
        wait_until(lambda: _record(client, alone)["error"] is None, TIMEOUT_S, "the note cleared")
        client.post(f"/api/runs/{alone}/stop")


def test_a_worker_that_cannot_start_is_retried_ever_more_slowly_and_health_says_so(
    tmp_path: Path,
) -> None:
    # 100 MB is too little memory to import torch: each worker dies before it is ready.
    app = create_app(make_settings(tmp_path, max_worker_bytes=100_000_000))
    with TestClient(app, raise_server_exceptions=False) as client:
        began = time.monotonic()
        health = wait_until(
            lambda: (h := client.get("/api/health").json())["worker_restarts"] >= 2 and h,
            TIMEOUT_S,
            "two failed starts",
        )
        # A wait of 1 s before the second try, on top of each try's own start.
        assert time.monotonic() - began >= 1.0
        assert health["status"] == "degraded" and health["worker"] == "starting"
        assert any("fails to start" in note for note in health["notes"])
        run_id = client.post("/api/runs", json=spiral_run()).json()["id"]
        assert _record(client, run_id)["status"] == "created"  # the API still answers
