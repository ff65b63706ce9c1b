"""Runs and their metric history, persisted in SQLite in the data directory."""

from __future__ import annotations

import math
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field

from models.train import MetricsRow
from server.lifecycle import RunAction, RunNotFoundError, RunStatus, allowed
from server.schemas import RunConfig

SCHEMA_VERSION = 1

# The metric columns, in MetricsRow's order; `step` is part of the key.
METRIC_FIELDS: tuple[str, ...] = tuple(name for name in MetricsRow.model_fields if name != "step")

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS runs (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL,
        error       TEXT,
        config      TEXT NOT NULL,
        step        INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        started_at  TEXT,
        finished_at TEXT,
        checkpoint  TEXT,
        checkpoint_step INTEGER
    )
    """,
    "CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at)",
    "CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status)",
    # WITHOUT ROWID clusters a run's rows by step, so range reads and thinning
    # walk one contiguous stretch of the b-tree.
    f"""
    CREATE TABLE IF NOT EXISTS metrics (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step   INTEGER NOT NULL,
        {", ".join(f"{name} REAL" for name in METRIC_FIELDS)},
        PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID
    """,
)

# Thins the older half of one run's history (steps <= :mid) to one row per
# bucket of :width steps, preferring a row that carries a test evaluation, else
# the earliest. On a dense history (width 2) that is every other row; bucketing
# by step rather than by rank keeps the older half evenly spread over its steps,
# where halving by rank again at every pass would thin the oldest rows
# exponentially and leave one huge gap after the first few steps. The first row
# has a bucket of its own, so it always survives.
_THIN = """
    DELETE FROM metrics WHERE run_id = :run AND step IN (
        SELECT step FROM (
            SELECT step, ROW_NUMBER() OVER (
                PARTITION BY CASE WHEN step = :first THEN -1 ELSE (step - :first) / :width END
                ORDER BY test_loss IS NULL, step
            ) AS pick
            FROM metrics WHERE run_id = :run AND step <= :mid
        )
        WHERE pick > 1
    )
"""

_RUN_COLUMNS = (
    "id, name, status, error, config, step, created_at, updated_at, started_at, finished_at, "
    "checkpoint, checkpoint_step"
)

# Every column each table must have, with its type: a file written by an older LayerLab
# gets the ones it lacks (NULL in old rows), whatever its schema version says.
_COLUMNS: dict[str, dict[str, str]] = {
    # class_id and owner_id: the class a run belongs to and the member who made it (NULL:
    # a run outside any class, as on a one-user server).
    "runs": {"checkpoint_step": "INTEGER", "class_id": "TEXT", "owner_id": "TEXT"},
    "metrics": dict.fromkeys(METRIC_FIELDS, "REAL"),
}


class StoreDamagedError(RuntimeError):
    """The database file is not a sound SQLite database."""


class RunRecord(BaseModel):
    """A stored run, as GET /api/runs/{id} returns it."""

    id: str = Field(description="Short random hex id of the run.")
    name: str = Field(description="The run's name (the config's name).")
    status: RunStatus = Field(
        description="created, queued, running, paused, completed, stopped or failed."
    )
    error: str | None = Field(
        description="Why the run failed or was interrupted, in plain words; null otherwise."
    )
    config: RunConfig = Field(
        description="Network, dataset, training settings (kept current) and device."
    )
    step: int = Field(description="The last optimizer step known.")
    created_at: datetime = Field(description="When the run was created (UTC).")
    updated_at: datetime = Field(description="When the run record last changed (UTC).")
    started_at: datetime | None = Field(description="When training first started (UTC), or null.")
    finished_at: datetime | None = Field(
        description="When the run completed, stopped or failed (UTC), or null."
    )
    checkpoint: str | None = Field(
        description="File name of the latest checkpoint, relative to the data directory, or null."
    )
    checkpoint_step: int | None = Field(
        None, description="The step the latest checkpoint holds, or null."
    )

    @computed_field(description="The controls the run's status allows now (the lifecycle table).")  # type: ignore[prop-decorator]
    @property
    def actions(self) -> list[RunAction]:
        """The controls the run's status allows now."""
        return allowed(self.status)


class Owner(BaseModel):
    """Whose a run is: its class and the member who made it (both None outside a class)."""

    model_config = ConfigDict(frozen=True)

    class_id: str | None = None
    owner_id: str | None = None


class RunSummary(BaseModel):
    """A run as GET /api/runs lists it: everything but its configuration."""

    id: str
    name: str
    status: RunStatus
    error: str | None
    step: int
    dataset: str = Field(description="The run's dataset.")
    optimizer: str = Field(description="The run's optimizer.")
    best_test_acc: float | None = Field(
        None, description="The best test accuracy evaluated so far (none before an evaluation)."
    )
    owner_id: str | None = Field(
        None, description="The class member whose run it is (null outside a class)."
    )
    owner: str | None = Field(
        None, description="That member's name, for their class's teacher (else null)."
    )
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    checkpoint: str | None

    @computed_field(description="The controls the run's status allows now.")  # type: ignore[prop-decorator]
    @property
    def actions(self) -> list[RunAction]:
        """The controls the run's status allows now."""
        return allowed(self.status)


_SUMMARY_COLUMNS = (
    "id, name, status, error, step, created_at, updated_at, started_at, finished_at, "
    "checkpoint, owner_id, json_extract(config, '$.dataset.name') AS dataset, "
    "json_extract(config, '$.training.optimizer') AS optimizer, "
    # A run's rows are clustered by step (WITHOUT ROWID), so this reads one stretch.
    "(SELECT MAX(test_acc) FROM metrics WHERE metrics.run_id = runs.id) AS best_test_acc"
)


def _now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def _dump_time(value: datetime) -> str:
    """A timezone-aware datetime as fixed-width ISO 8601 text in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    # Fixed width (always microseconds, always +00:00) so text order is time order.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _load_time(value: str | None) -> datetime | None:
    """ISO 8601 text back to an aware datetime (None stays None)."""
    return None if value is None else datetime.fromisoformat(value)


def _dump_float(value: float | None) -> float | str | None:
    """A metric value as SQLite can hold it: NaN and infinities as text."""
    # SQLite turns a NaN REAL into NULL, which would read back as "not measured";
    # text 'nan'/'inf'/'-inf' is kept as text by REAL affinity and float() parses it.
    if value is None or math.isfinite(value):
        return value
    return repr(float(value))


def _load_float(value: float | str | None) -> float | None:
    """A stored metric value back to a float (None stays None)."""
    return float(value) if isinstance(value, str) else value


def _metrics_row(row: sqlite3.Row) -> MetricsRow:
    """A metrics row as read back (step first, then METRIC_FIELDS)."""
    return MetricsRow(step=row["step"], **{name: _load_float(row[name]) for name in METRIC_FIELDS})


class Store:
    """Runs and metric history in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path, max_metrics_rows: int = 4000) -> None:
        """Open (or create) the database at `path`, creating parent directories."""
        if max_metrics_rows < 10:
            raise ValueError("max_metrics_rows must be at least 10")
        self.path = Path(path)
        self.max_metrics_rows = max_metrics_rows
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection guarded by a lock rather than one per thread: SQLite
        # serialises writers anyway, every call here is short (ms), and a single
        # connection can be closed deterministically by close(), whereas
        # connections opened lazily by event-loop / worker threads would outlive
        # it. isolation_level=None so transactions are exactly the BEGIN/COMMIT
        # written below, never implicit ones held open by the sqlite3 module.
        self._lock = threading.Lock()
        self._closed = False
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10.0
        )
        try:
            self._conn.row_factory = sqlite3.Row
            self._check()
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable across application crashes in WAL mode; only an
            # OS crash can lose the last commits, fine for a metric history.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def _check(self) -> None:
        """StoreDamagedError unless SQLite finds the file sound (an empty file is a new one)."""
        try:
            verdict = [row[0] for row in self._conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            verdict = [str(exc)]
        if verdict != ["ok"]:
            raise StoreDamagedError(
                f"the database {self.path} is damaged ({'; '.join(verdict)[:200]}); move it "
                "aside to start with an empty one (run checkpoints stay in checkpoints/)"
            )

    def _migrate(self) -> None:
        """Create the tables on a new file; refuse a file from a newer version."""
        with self._transaction():
            # Read inside the write transaction so two processes opening a new
            # file at once do not both create (BEGIN IMMEDIATE serialises them).
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} has schema version {version}, newer than this "
                    f"LayerLab understands ({SCHEMA_VERSION}); upgrade LayerLab"
                )
            if version < SCHEMA_VERSION:
                for statement in _SCHEMA:
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for table, columns in _COLUMNS.items():
                have = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns.items():
                    if name not in have:  # names and types come from _COLUMNS, not from input
                        self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            # After the columns it covers exist, in a file of any age: a class's runs.
            self._conn.execute(
                "CREATE INDEX IF NOT EXISTS runs_by_class ON runs (class_id, owner_id)"
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the caller holds the lock (or is __init__)."""
        # IMMEDIATE takes the write lock up front, so a transaction never fails
        # half-way on a lock upgrade when another process writes too.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, held exclusively by this thread."""
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("the store is closed")
            yield self._conn

    @staticmethod
    def _record(row: sqlite3.Row) -> RunRecord:
        """A runs-table row as a RunRecord."""
        return RunRecord(
            id=row["id"],
            name=row["name"],
            status=row["status"],
            error=row["error"],
            config=RunConfig.model_validate_json(row["config"]),
            step=row["step"],
            created_at=_load_time(row["created_at"]),
            updated_at=_load_time(row["updated_at"]),
            started_at=_load_time(row["started_at"]),
            finished_at=_load_time(row["finished_at"]),
            checkpoint=row["checkpoint"],
            checkpoint_step=row["checkpoint_step"],
        )

    def _get(self, conn: sqlite3.Connection, run_id: str) -> RunRecord | None:
        """One run by id, with the lock held."""
        row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else self._record(row)

    def create_run(self, config: RunConfig, owner: Owner | None = None) -> RunRecord:
        """Store a new run with status "created" (and whose it is) and return it."""
        owner = owner or Owner()
        stamp = _dump_time(_now())
        with self._locked() as conn:
            # 48 random bits: a clash is astronomically rare, but retrying is cheap.
            for _ in range(5):
                run_id = uuid.uuid4().hex[:12]
                try:
                    with self._transaction():
                        conn.execute(
                            "INSERT INTO runs (id, name, status, config, step, created_at, "
                            "updated_at, class_id, owner_id) "
                            "VALUES (?, ?, 'created', ?, 0, ?, ?, ?, ?)",
                            (
                                run_id,
                                config.name,
                                config.model_dump_json(),
                                stamp,
                                stamp,
                                owner.class_id,
                                owner.owner_id,
                            ),
                        )
                except sqlite3.IntegrityError:
                    continue
                record = self._get(conn, run_id)
                assert record is not None
                return record
        raise RuntimeError("could not find a free run id")

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run by id, or None."""
        with self._locked() as conn:
            return self._get(conn, run_id)

    def owner(self, run_id: str) -> Owner | None:
        """Whose the run is, or None if there is no such run."""
        with self._locked() as conn:
            row = conn.execute(
                "SELECT class_id, owner_id FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
        return None if row is None else Owner(class_id=row[0], owner_id=row[1])

    def summaries(
        self, limit: int, offset: int = 0, owner: Owner | None = None
    ) -> tuple[list[RunSummary], int]:
        """A page of runs, newest first, without parsing their configs; and how many there are.

        With `owner`, only the runs of that class (and, if it names one, of that member);
        runs outside a class have a class of None.
        """
        where, args = self._owned(owner)
        with self._locked() as conn:
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs {where} "
                "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                (*args, limit, offset),
            ).fetchall()
            total: int = conn.execute(f"SELECT COUNT(*) FROM runs {where}", args).fetchone()[0]
        page = [
            RunSummary(
                **{
                    k: row[k]
                    for k in ("id", "name", "status", "error", "step", "checkpoint", "owner_id")
                },
                dataset=row["dataset"] or "",
                optimizer=row["optimizer"] or "adam",
                best_test_acc=row["best_test_acc"],
                created_at=_load_time(row["created_at"]),
                updated_at=_load_time(row["updated_at"]),
                started_at=_load_time(row["started_at"]),
                finished_at=_load_time(row["finished_at"]),
            )
            for row in rows
        ]
        return page, total

    def class_runs(self, class_id: str) -> list[RunSummary]:
        """Every run of a class, newest first."""
        page, _ = self.summaries(1_000_000, 0, Owner(class_id=class_id))
        return page

    @staticmethod
    def _owned(owner: Owner | None) -> tuple[str, tuple[str, ...]]:
        """The WHERE clause (and its arguments) that keeps the runs of this owner."""
        if owner is None:
            return "", ()
        if owner.class_id is None:
            return "WHERE class_id IS NULL", ()
        if owner.owner_id is None:
            return "WHERE class_id = ?", (owner.class_id,)
        return "WHERE class_id = ? AND owner_id = ?", (owner.class_id, owner.owner_id)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The connection in one write transaction, for a table another module owns."""
        with self._locked() as conn, self._transaction():
            yield conn

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, held exclusively, for reads of a table another module owns."""
        with self._locked() as conn:
            yield conn

    def list_runs(self) -> list[RunRecord]:
        """All runs, newest first."""
        with self._locked() as conn:
            rows = conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY created_at DESC, rowid DESC"
            ).fetchall()
        return [self._record(row) for row in rows]

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus | None = None,
        error: str | EllipsisType | None = ...,
        step: int | None = None,
        config: RunConfig | None = None,
        checkpoint: str | EllipsisType | None = ...,
        checkpoint_step: int | EllipsisType | None = ...,
        started_at: datetime | EllipsisType | None = ...,
        finished_at: datetime | EllipsisType | None = ...,
    ) -> RunRecord | None:
        """Change the given fields (None leaves status/step/config; ... leaves the rest)."""
        changes: dict[str, Any] = {"updated_at": _dump_time(_now())}
        if status is not None:
            if status not in get_args(RunStatus):
                raise ValueError(f"unknown run status {status!r}")
            changes["status"] = status
        if not isinstance(error, EllipsisType):
            changes["error"] = error
        if step is not None:
            changes["step"] = step
        if config is not None:
            changes["config"] = config.model_dump_json()
            changes["name"] = config.name
        if not isinstance(checkpoint, EllipsisType):
            changes["checkpoint"] = checkpoint
        if not isinstance(checkpoint_step, EllipsisType):
            changes["checkpoint_step"] = checkpoint_step
        if not isinstance(started_at, EllipsisType):
            changes["started_at"] = None if started_at is None else _dump_time(started_at)
        if not isinstance(finished_at, EllipsisType):
            changes["finished_at"] = None if finished_at is None else _dump_time(finished_at)
        # Column names come from the fixed set above, never from the caller.
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._locked() as conn:
            with self._transaction():
                cursor = conn.execute(
                    f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run_id)
                )
            # Read back under the same lock, so the record is the one just written.
            return None if cursor.rowcount == 0 else self._get(conn, run_id)

    def delete_run(self, run_id: str) -> bool:
        """Delete a run and its metrics; False if there was no such run."""
        with self._locked() as conn, self._transaction():
            # Metrics go by ON DELETE CASCADE in the same transaction.
            cursor = conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            return cursor.rowcount > 0

    def truncate_metrics(self, run_id: str, after_step: int) -> int:
        """Drop a run's rows past a step (a resume from an older checkpoint); how many went."""
        with self._locked() as conn, self._transaction():
            cursor = conn.execute(
                "DELETE FROM metrics WHERE run_id = ? AND step > ?", (run_id, after_step)
            )
            return cursor.rowcount

    def append_metrics(self, run_id: str, rows: Sequence[MetricsRow]) -> None:
        """Store metric rows (replacing any with the same step); RunNotFoundError if no such run."""
        if not rows:
            return
        values = [
            (run_id, row.step, *(_dump_float(getattr(row, name)) for name in METRIC_FIELDS))
            for row in rows
        ]
        columns = ", ".join(("run_id", "step", *METRIC_FIELDS))
        marks = ", ".join("?" * (2 + len(METRIC_FIELDS)))
        with self._locked() as conn:
            try:
                with self._transaction():
                    conn.executemany(
                        f"INSERT OR REPLACE INTO metrics ({columns}) VALUES ({marks})", values
                    )
                    self._thin(conn, run_id)
            except sqlite3.IntegrityError as exc:
                # The only constraint a well-formed row can break is the run's
                # foreign key: the run does not exist (or was just deleted).
                raise RunNotFoundError(run_id) from exc

    def _thin(self, conn: sqlite3.Connection, run_id: str) -> None:
        """Thin the older half of a run's history until it fits the cap."""
        # Amortised: each pass removes about a quarter of the rows, so the next
        # pass comes only after ~cap/4 more appends; between passes this costs
        # one COUNT over the run's (clustered) key range.
        count: int = conn.execute(
            "SELECT COUNT(*) FROM metrics WHERE run_id = ?", (run_id,)
        ).fetchone()[0]
        while count > self.max_metrics_rows:
            half = count // 2
            first, mid = (
                conn.execute(
                    "SELECT step FROM metrics WHERE run_id = ? ORDER BY step LIMIT 1 OFFSET ?",
                    (run_id, offset),
                ).fetchone()[0]
                for offset in (0, half - 1)
            )
            # Steps are distinct integers, so the span is at least half - 1 and
            # the width at least 2: about half/2 buckets, so each pass removes
            # about a quarter of the rows (at least one once count >= 10).
            width = -(-2 * (mid - first) // half)
            params = {"run": run_id, "first": first, "mid": mid, "width": width}
            removed = conn.execute(_THIN, params).rowcount
            if removed <= 0:  # cannot happen for count >= 10; guards the loop anyway
                break
            count -= removed

    def metrics(
        self, run_id: str, since: int | None = None, limit: int | None = None
    ) -> list[MetricsRow]:
        """A run's metric rows with step > since, ascending by step, at most limit of them."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        columns = ", ".join(("step", *METRIC_FIELDS))
        with self._locked() as conn:
            rows = conn.execute(
                f"SELECT {columns} FROM metrics WHERE run_id = ? AND step > ? "
                "ORDER BY step LIMIT ?",
                # -1 is SQLite's "no limit"; since=None means from the start.
                (run_id, -(2**63) if since is None else since, -1 if limit is None else limit),
            ).fetchall()
        return [_metrics_row(row) for row in rows]

    def curve(self, run_id: str, field: str, points: int) -> list[float]:
        """At most `points` values of one metric over the run's history, evenly spaced by step.

        One index seek per point (the first row at or after each of `points` steps spread
        from the first row's to the last's), so that a long history costs no scan.
        """
        if field not in METRIC_FIELDS:
            raise ValueError(f"no metric {field!r}")
        if points < 2:
            raise ValueError("a curve needs at least 2 points")
        with self._locked() as conn:
            rows = conn.execute(
                "WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k "
                "WHERE j + 1 < :points), "
                "span AS (SELECT MIN(step) AS lo, MAX(step) AS hi FROM metrics "
                f"WHERE run_id = :run AND {field} IS NOT NULL), "
                "picked AS (SELECT (SELECT step FROM metrics WHERE run_id = :run "
                f"AND {field} IS NOT NULL AND step >= lo + (hi - lo) * j / (:points - 1) "
                "ORDER BY step LIMIT 1) AS step FROM k, span WHERE lo IS NOT NULL) "
                # Where rows are fewer than points, neighbouring seeks land on one row: once.
                f"SELECT m.{field} FROM metrics AS m WHERE m.run_id = :run "
                "AND m.step IN (SELECT step FROM picked) ORDER BY m.step",
                {"run": run_id, "points": points},
            ).fetchall()
        return [float(row[0]) for row in rows]

    def best_test_acc(self, run_id: str) -> float | None:
        """The best test accuracy of the run so far (None before an evaluation)."""
        with self._locked() as conn:
            row = conn.execute(
                "SELECT MAX(test_acc) FROM metrics WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def last_metrics(self, run_id: str, evaluated: bool = False) -> MetricsRow | None:
        """The run's latest metrics row (with `evaluated`, its latest with a test accuracy)."""
        columns = ", ".join(("step", *METRIC_FIELDS))
        where = " AND test_acc IS NOT NULL" if evaluated else ""
        with self._locked() as conn:
            row = conn.execute(
                f"SELECT {columns} FROM metrics WHERE run_id = ?{where} ORDER BY step DESC LIMIT 1",
                (run_id,),
            ).fetchone()
        return None if row is None else _metrics_row(row)

    def count_runs(self, statuses: Sequence[RunStatus]) -> int:
        """How many runs have one of these statuses (one COUNT, nothing parsed)."""
        marks = ", ".join("?" * len(statuses))
        with self._locked() as conn:
            count: int = conn.execute(
                f"SELECT COUNT(*) FROM runs WHERE status IN ({marks})", tuple(statuses)
            ).fetchone()[0]
        return count

    def admit(
        self,
        run_id: str,
        active: Sequence[RunStatus],
        limit: int,
        member_limit: int | None = None,
    ) -> bool:
        """Mark a run queued if it is active already, or fewer than `limit` runs are (and,
        with `member_limit`, fewer than that many of its class member's).

        One statement under the store's lock, so concurrent starts cannot all see room.
        """
        marks = ", ".join("?" * len(active))
        member = ""
        member_args: tuple[Any, ...] = ()
        if member_limit is not None:
            member = (
                f" AND (owner_id IS NULL OR (SELECT COUNT(*) FROM runs AS mine WHERE "
                f"mine.owner_id = runs.owner_id AND mine.status IN ({marks})) < ?)"
            )
            member_args = (*active, member_limit)
        with self._locked() as conn, self._transaction():
            cursor = conn.execute(
                f"UPDATE runs SET status = 'queued', error = NULL, updated_at = ? WHERE id = ? "
                f"AND (status IN ({marks}) OR ((SELECT COUNT(*) FROM runs WHERE status IN "
                f"({marks})) < ?{member}))",
                (_dump_time(_now()), run_id, *active, *active, limit, *member_args),
            )
            return cursor.rowcount > 0

    def active_of(self, owner_id: str, active: Sequence[RunStatus]) -> int:
        """How many of a class member's runs have one of these statuses."""
        marks = ", ".join("?" * len(active))
        with self._locked() as conn:
            count: int = conn.execute(
                f"SELECT COUNT(*) FROM runs WHERE owner_id = ? AND status IN ({marks})",
                (owner_id, *active),
            ).fetchone()[0]
        return count

    def interrupted(self) -> list[RunRecord]:
        """Runs left running or queued (by a server that stopped), oldest first."""
        with self._locked() as conn:
            rows = conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE status IN ('running', 'queued') "
                "ORDER BY created_at, rowid"
            ).fetchall()
        return [self._record(row) for row in rows]

    def close(self) -> None:
        """Close the database; later calls raise. Closing twice is harmless."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Store:
        """The store itself, closed on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()
