"""The SQLite store: runs, metric history, thinning, recovery and concurrency."""

from __future__ import annotations

import itertools
import math
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.optim import TrainingConfig
from models.train import MetricsRow
from server.lifecycle import RunNotFoundError
from server.schemas import DatasetRef, RunConfig
from server.store import SCHEMA_VERSION, RunRecord, Store

NETWORK = {
    "version": 1,
    "nodes": [
        {"id": "in", "type": "input"},
        {"id": "fc", "type": "linear", "params": {"out_features": 2}},
        {"id": "out", "type": "output", "params": {"loss": "cross_entropy"}},
    ],
    "edges": [{"source": "in", "target": "fc"}, {"source": "fc", "target": "out"}],
}


def config(name: str = "spiral-mlp", lr: float = 0.01) -> RunConfig:
    return RunConfig(
        name=name,
        network=NETWORK,
        dataset=DatasetRef(name="spiral", params={"n_samples": 500, "noise": 0.1}),
        training=TrainingConfig(optimizer="sgd", lr=lr, momentum=0.9, max_steps=100),
        device="cpu",
    )


def row(step: int, test_loss: float | None = None, train_loss: float | None = 1.0) -> MetricsRow:
    return MetricsRow(
        step=step,
        epoch=step / 10,
        train_loss=train_loss,
        test_loss=test_loss,
        lr=0.01,
        steps_per_s=100.0,
        wall_s=step / 100,
    )


def steps(store: Store, run_id: str) -> list[int]:
    return [r.step for r in store.metrics(run_id)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "data" / "layerlab.db") as s:
        yield s


def test_create_get_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "runs.db"
    with Store(path) as store:
        before = datetime.now(UTC)
        run = store.create_run(config())
        assert path.exists()
        assert len(run.id) == 12 and int(run.id, 16) >= 0
        assert run.name == "spiral-mlp" and run.status == "created" and run.step == 0
        assert run.error is None and run.checkpoint is None
        assert run.started_at is None and run.finished_at is None
        assert run.created_at.tzinfo is not None and run.updated_at.utcoffset() == timedelta(0)
        assert before <= run.created_at <= datetime.now(UTC)
        got = store.get_run(run.id)
        assert got == run
        assert got is not None and got.config == config()
        assert store.get_run("nope") is None


def test_record_fields_are_described() -> None:
    schema = RunRecord.model_json_schema()
    assert all("description" in field for field in schema["properties"].values())


def test_list_newest_first(store: Store) -> None:
    ids = [store.create_run(config(f"run {i}")).id for i in range(4)]
    assert [r.id for r in store.list_runs()] == ids[::-1]
    assert [r.name for r in store.list_runs()] == ["run 3", "run 2", "run 1", "run 0"]


def test_update_semantics(store: Store) -> None:
    run = store.create_run(config())
    started = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    updated = store.update_run(
        run.id,
        status="running",
        error="interrupted",
        checkpoint="checkpoints/a.pt",
        started_at=started,
        step=5,
    )
    assert updated is not None
    assert updated.status == "running" and updated.error == "interrupted"
    assert updated.checkpoint == "checkpoints/a.pt" and updated.started_at == started
    assert updated.step == 5 and updated.updated_at >= run.updated_at

    # Left out (None for status/step/config, ... for the rest): unchanged.
    same = store.update_run(run.id)
    assert same is not None
    assert same.model_dump(exclude={"updated_at"}) == updated.model_dump(exclude={"updated_at"})

    # None clears the clearable fields.
    cleared = store.update_run(run.id, error=None, checkpoint=None, started_at=None)
    assert cleared is not None
    assert cleared.error is None and cleared.checkpoint is None and cleared.started_at is None
    assert cleared.status == "running" and cleared.step == 5

    # A non-UTC aware datetime reads back as the same instant.
    tz = datetime(2024, 5, 1, 14, 0, tzinfo=UTC).astimezone()
    finished = store.update_run(run.id, status="completed", finished_at=tz)
    assert finished is not None and finished.finished_at == tz

    new_config = config("renamed", lr=0.5)
    changed = store.update_run(run.id, config=new_config)
    assert changed is not None and changed.config == new_config and changed.name == "renamed"
    assert store.get_run(run.id) == changed

    assert store.update_run("missing", status="failed") is None
    with pytest.raises(ValueError, match="aware"):
        store.update_run(run.id, started_at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="status"):
        store.update_run(run.id, status="exploded")  # type: ignore[arg-type]
    assert store.get_run(run.id) == changed


def test_delete_removes_run_and_metrics(store: Store) -> None:
    keep = store.create_run(config("keep"))
    gone = store.create_run(config("gone"))
    store.append_metrics(keep.id, [row(1), row(2)])
    store.append_metrics(gone.id, [row(1), row(2), row(3)])
    assert store.delete_run(gone.id) is True
    assert store.get_run(gone.id) is None and store.metrics(gone.id) == []
    assert store.delete_run(gone.id) is False
    assert [r.id for r in store.list_runs()] == [keep.id]
    assert steps(store, keep.id) == [1, 2]
    with sqlite3.connect(store.path) as raw:
        assert (
            raw.execute("SELECT COUNT(*) FROM metrics WHERE run_id = ?", (gone.id,)).fetchone()[0]
            == 0
        )


def test_append_since_and_limit(store: Store) -> None:
    run = store.create_run(config())
    store.append_metrics(run.id, [row(3), row(1), row(2)])
    store.append_metrics(run.id, [row(4, test_loss=0.5)])
    store.append_metrics(run.id, [])
    assert store.metrics(run.id) == [row(1), row(2), row(3), row(4, test_loss=0.5)]
    assert steps(store, run.id) == [1, 2, 3, 4]
    assert [r.step for r in store.metrics(run.id, since=2)] == [3, 4]
    assert [r.step for r in store.metrics(run.id, since=4)] == []
    assert [r.step for r in store.metrics(run.id, since=1, limit=2)] == [2, 3]
    assert store.metrics(run.id, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        store.metrics(run.id, limit=-1)
    assert store.metrics("unknown") == []
    with pytest.raises(RunNotFoundError):
        store.append_metrics("unknown", [row(1)])


def test_same_step_replaces(store: Store) -> None:
    run = store.create_run(config())
    store.append_metrics(run.id, [row(1), row(2, train_loss=2.0)])
    store.append_metrics(run.id, [row(2, test_loss=0.25, train_loss=0.5)])
    rows = store.metrics(run.id)
    assert [r.step for r in rows] == [1, 2]
    assert rows[1].train_loss == 0.5 and rows[1].test_loss == 0.25


def test_thinning_one_pass_exact(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db", max_metrics_rows=10) as store:
        run = store.create_run(config())
        store.append_metrics(run.id, [row(s) for s in range(10)])
        assert steps(store, run.id) == list(range(10))  # at the cap: untouched
        store.append_metrics(run.id, [row(10)])
        # 11 rows: the older half is steps 0..4, in buckets {0}, {1}, {2, 3}, {4}.
        assert steps(store, run.id) == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]


def test_thinning_prefers_evaluated_rows(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db", max_metrics_rows=100) as store:
        run = store.create_run(config())
        evaluated = {s for s in range(1, 102) if s % 10 == 6}
        store.append_metrics(
            run.id, [row(s, test_loss=0.1 if s in evaluated else None) for s in range(1, 102)]
        )
        kept = steps(store, run.id)
        assert len(kept) <= 100
        assert evaluated <= set(kept)
        assert kept[0] == 1 and kept[-1] == 101


def test_thinning_keeps_cap_ends_and_newest_half(tmp_path: Path) -> None:
    cap = 100
    with Store(tmp_path / "t.db", max_metrics_rows=cap) as store:
        run = store.create_run(config())
        last = 0
        while last < 2000:
            store.append_metrics(run.id, [row(s) for s in range(last + 1, last + 8)])
            last += 7
            assert len(store.metrics(run.id)) <= cap
        kept = steps(store, run.id)
        assert kept[0] == 1 and kept[-1] == last
        assert kept == sorted(set(kept))
        assert kept[-(cap // 2) :] == list(range(last - cap // 2 + 1, last + 1))
        # Spans the whole run: no gap anywhere is a big share of it.
        assert max(b - a for a, b in itertools.pairwise(kept)) < last // 5


@settings(max_examples=25, deadline=None)
@given(
    cap=st.integers(10, 60),
    batches=st.lists(st.integers(1, 80), min_size=1, max_size=12),
)
def test_thinning_invariants(cap: int, batches: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "t.db", cap) as store:
        run = store.create_run(config())
        last = 0
        for n in batches:
            store.append_metrics(run.id, [row(s) for s in range(last + 1, last + n + 1)])
            last += n
            kept = steps(store, run.id)
            assert len(kept) <= cap
            assert kept[0] == 1 and kept[-1] == last
            tail = min(last, cap // 2)
            assert kept[-tail:] == list(range(last - tail + 1, last + 1))


def test_nan_and_inf_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    diverged = MetricsRow(
        step=7,
        epoch=0.5,
        train_loss=math.nan,
        test_loss=math.inf,
        train_acc=-math.inf,
        test_acc=None,
        lr=10.0,
        steps_per_s=50.0,
        wall_s=1.5,
    )
    with Store(path) as store:
        run = store.create_run(config())
        store.append_metrics(run.id, [row(6), diverged])
    with Store(path) as store:
        (before, got) = store.metrics(run.id)
        assert before == row(6)
        assert got.train_loss is not None and math.isnan(got.train_loss)
        assert got.test_loss == math.inf and got.train_acc == -math.inf
        assert got.test_acc is None
        assert got.model_dump(exclude={"train_loss"}) == diverged.model_dump(exclude={"train_loss"})


def test_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    first = Store(path)
    run = first.create_run(config())
    first.append_metrics(run.id, [row(1), row(2)])
    record = first.update_run(run.id, status="paused", step=2, checkpoint="ck/run.pt")
    # A second store on the same file sees committed data while the first is open.
    with Store(path) as other:
        assert other.get_run(run.id) == record
    first.close()
    first.close()  # closing twice is harmless
    with pytest.raises(sqlite3.ProgrammingError):
        first.get_run(run.id)
    with Store(path) as second:
        assert second.list_runs() == [record]
        assert second.metrics(run.id) == [row(1), row(2)]


def test_interrupted(store: Store) -> None:
    status_of = {}
    for status in ("created", "queued", "running", "paused", "completed", "stopped", "failed"):
        run = store.create_run(config(status))
        store.update_run(run.id, status=status)  # type: ignore[arg-type]
        status_of[run.id] = status
    got = store.interrupted()
    assert [r.name for r in got] == ["queued", "running"]
    assert all(status_of[r.id] == r.status for r in got)


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with Store(path, max_metrics_rows=10_000) as a, Store(path, max_metrics_rows=10_000) as b:
        run = a.create_run(config())
        errors: list[BaseException] = []

        def work(store: Store, k: int) -> None:
            try:
                mine = [row(s) for s in range(k, 2000, 4)]
                for i in range(0, len(mine), 10):
                    store.append_metrics(run.id, mine[i : i + 10])
                    store.metrics(run.id, since=k, limit=5)
                    store.update_run(run.id, step=mine[i].step)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        # Two threads per connection, two connections on one file.
        threads = [threading.Thread(target=work, args=(a if k < 2 else b, k)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert steps(a, run.id) == list(range(2000))
        assert steps(b, run.id) == list(range(2000))


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    Store(path).close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


def test_rejects_tiny_cap(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_metrics_rows"):
        Store(tmp_path / "t.db", max_metrics_rows=3)


def test_a_file_from_an_older_layerlab_gains_the_columns_it_lacks(tmp_path: Path) -> None:
    """Migration compares columns: a field added since the file was written is added to it."""
    path = tmp_path / "old.db"
    with Store(path) as s:
        run = s.create_run(config())
        s.append_metrics(run.id, [row(1)])
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE runs DROP COLUMN checkpoint_step")
    conn.execute("ALTER TABLE metrics DROP COLUMN test_acc")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.metrics(run.id) == [row(1)]
        s.append_metrics(run.id, [row(2, test_loss=0.5)])  # every column written again
        assert steps(s, run.id) == [1, 2]
        updated = s.update_run(run.id, checkpoint="c.safetensors", checkpoint_step=2)
        assert updated is not None and updated.checkpoint_step == 2


def test_the_history_cuts_back_to_a_step(store: Store) -> None:
    run = store.create_run(config())
    store.append_metrics(run.id, [row(s) for s in range(1, 11)])
    assert store.truncate_metrics(run.id, 6) == 4
    assert steps(store, run.id) == [1, 2, 3, 4, 5, 6]


def test_summaries_carry_the_best_test_accuracy_so_far(store: Store) -> None:
    fresh = store.create_run(config("fresh"))
    run = store.create_run(config("trained"))
    rows = [row(1), row(2), row(3), row(4)]
    for r, acc in zip(rows, [None, 0.5, 0.875, 0.75], strict=True):
        r.test_acc = acc
    store.append_metrics(run.id, rows)
    page, _ = store.summaries(10)
    best = {s.id: s.best_test_acc for s in page}
    assert best == {run.id: 0.875, fresh.id: None}
