"""What a teacher reads of a class at a glance: the live grid and the results table."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from models.presets import PRESETS
from models.run import RunConfig
from server.lifecycle import RunStatus
from server.roster import ClassState, Roster
from server.store import Store

GRID_POINTS = 48
"""Loss points per student in the grid: enough for a curve's shape at thumbnail size."""


class GridEntry(BaseModel):
    """One student in the grid: their latest run, where it is, and its loss so far."""

    member_id: str
    name: str
    run_id: str | None = Field(description="The student's newest run, or null before one.")
    run_name: str | None
    status: RunStatus | None
    step: int | None
    max_steps: int | None
    test_acc: float | None = Field(description="The latest test accuracy evaluated.")
    best_test_acc: float | None
    loss: list[float] = Field(description=f"At most {GRID_POINTS} train losses, evenly spaced.")
    runs: int = Field(description="How many runs the student has made.")


class ClassGrid(BaseModel):
    """GET /api/classes/{id}/grid: every student's latest run."""

    revision: int = Field(description="The class state's revision.")
    spotlight: str | None
    students: list[GridEntry]


class ResultRow(BaseModel):
    """One student's result: their latest run, what they changed, where it ended."""

    student: str
    member_id: str
    run_id: str
    run_name: str
    status: RunStatus
    step: int
    changed: list[str] = Field(description="Fields that differ from what was pushed.")
    train_loss: float | None
    test_loss: float | None
    test_acc: float | None
    best_test_acc: float | None


class ClassResults(BaseModel):
    """GET /api/classes/{id}/results: each student's latest run against the push."""

    lesson: str | None = Field(description="The lesson pushed, if one was.")
    rows: list[ResultRow]


class LatestRun(BaseModel):
    """A member's newest run, as the grid and the results read it, and how many they made."""

    id: str
    owner_id: str
    name: str
    status: RunStatus
    step: int
    max_steps: int | None
    runs: int


def latest_runs(store: Store, class_id: str) -> dict[str, LatestRun]:
    """Each member's newest run, by member id: one query, no stored config parsed."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT id, owner_id, name, status, step, max_steps, runs FROM ("
            "SELECT id, owner_id, name, status, step, "
            "json_extract(config, '$.training.max_steps') AS max_steps, "
            "ROW_NUMBER() OVER (PARTITION BY owner_id ORDER BY created_at DESC, rowid DESC) "
            "AS newest, COUNT(*) OVER (PARTITION BY owner_id) AS runs "
            "FROM runs WHERE class_id = ? AND owner_id IS NOT NULL) WHERE newest = 1",
            (class_id,),
        ).fetchall()
    keys = tuple(LatestRun.model_fields)
    return {row[1]: LatestRun(**dict(zip(keys, row, strict=True))) for row in rows}


def class_grid(store: Store, roster: Roster, class_id: str) -> ClassGrid:
    """The grid of every student of the class, in the order they joined."""
    state = roster.state(class_id)
    latest = latest_runs(store, class_id)
    students = []
    for member in roster.info(class_id).members:
        if member.role != "student":
            continue
        run = latest.get(member.id)
        evaluated = None if run is None else store.last_metrics(run.id, evaluated=True)
        students.append(
            GridEntry(
                member_id=member.id,
                name=member.name,
                run_id=None if run is None else run.id,
                run_name=None if run is None else run.name,
                status=None if run is None else run.status,
                step=None if run is None else run.step,
                max_steps=None if run is None else run.max_steps,
                test_acc=None if evaluated is None else evaluated.test_acc,
                best_test_acc=None if run is None else store.best_test_acc(run.id),
                loss=[] if run is None else store.curve(run.id, "train_loss", GRID_POINTS),
                runs=0 if run is None else run.runs,
            )
        )
    return ClassGrid(revision=state.revision, spotlight=state.spotlight, students=students)


class GridCache:
    """Each class's grid, computed at most once per `ttl_s`: a teacher's page and every
    student's (with the grid shared) poll it, and one answer serves them all."""

    def __init__(self, ttl_s: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self._grids: dict[str, tuple[float, ClassGrid]] = {}
        self._lock = threading.Lock()

    def get(self, class_id: str, compute: Callable[[], ClassGrid]) -> ClassGrid:
        """The class's grid, from the cache when fresh, else computed (once at a time)."""
        with self._lock:
            now = self.clock()
            kept = self._grids.get(class_id)
            if kept is not None and now - kept[0] < self.ttl_s:
                return kept[1]
            # Computed under the lock: pages polling at once wait for one answer, not 40.
            grid = compute()
            self._grids = {k: v for k, v in self._grids.items() if now - v[0] < self.ttl_s}
            self._grids[class_id] = (now, grid)
            return grid


def _text(value: Any) -> str:
    """A field's value as the table shows it."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _flat(value: Any, prefix: str) -> dict[str, Any]:
    """A nested mapping as dotted paths to its leaves."""
    if not isinstance(value, dict) or not value:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(_flat(item, f"{prefix}.{key}"))
    return out


def _network_changes(reference: dict[str, Any], network: dict[str, Any]) -> list[str]:
    """How a network differs from the pushed one: nodes added, removed, retyped, re-set."""
    before = {node["id"]: node for node in reference.get("nodes", [])}
    after = {node["id"]: node for node in network.get("nodes", [])}
    out = [f"network: removed {i} ({before[i]['type']})" for i in before if i not in after]
    out += [f"network: added {i} ({after[i]['type']})" for i in after if i not in before]
    for node_id in before.keys() & after.keys():
        old, new = before[node_id], after[node_id]
        if old["type"] != new["type"]:
            out.append(f"network.{node_id}: {old['type']} → {new['type']}")
            continue
        old_params, new_params = old.get("params") or {}, new.get("params") or {}
        for name in sorted(old_params.keys() | new_params.keys()):
            if old_params.get(name) != new_params.get(name):
                was, now = _text(old_params.get(name)), _text(new_params.get(name))
                out.append(f"network.{node_id}.{name}: {was} → {now}")

    def wires(spec: dict[str, Any]) -> set[str]:
        return {json.dumps(edge, sort_keys=True) for edge in spec.get("edges", [])}

    if wires(reference) != wires(network):
        out.append("network: connections changed")
    return sorted(out)


def changes(reference: dict[str, Any], config: RunConfig) -> list[str]:
    """What a run changed against a pushed run body (its network, dataset and training)."""
    run = config.model_dump(mode="json")
    out = _network_changes(reference["network"], run["network"])
    for part in ("dataset", "training"):
        if part not in reference:
            continue
        before, after = _flat(reference[part], part), _flat(run[part], part)
        for path in sorted(before.keys() | after.keys()):
            if before.get(path) != after.get(path):
                out.append(f"{path}: {_text(before.get(path))} → {_text(after.get(path))}")
    return out


def _references(state: ClassState) -> list[dict[str, Any]]:
    """The run bodies pushed: a lesson's runs (normalized as a run is), or the network alone."""
    if state.lesson is not None and state.lesson in PRESETS:
        preset = PRESETS[state.lesson]
        bodies = preset.get("runs") or [preset["run"]]
        return [RunConfig.model_validate(body).model_dump(mode="json") for body in bodies]
    if state.network is not None:
        return [{"network": state.network}]
    return []


def class_results(store: Store, roster: Roster, class_id: str) -> ClassResults:
    """Each student's latest run: what it changed against the push, and its last metrics."""
    state = roster.state(class_id)
    references = _references(state)
    latest = latest_runs(store, class_id)
    rows = []
    for member in roster.info(class_id).members:
        newest = latest.get(member.id)
        record = None if newest is None else store.get_run(newest.id)
        if member.role != "student" or record is None:
            continue
        # Against a comparison lesson, a run is compared with the one of its runs it is nearest.
        changed = min(
            (changes(reference, record.config) for reference in references),
            key=len,
            default=[],
        )
        last = store.last_metrics(record.id)
        evaluated = store.last_metrics(record.id, evaluated=True)
        rows.append(
            ResultRow(
                student=member.name,
                member_id=member.id,
                run_id=record.id,
                run_name=record.name,
                status=record.status,
                step=record.step,
                changed=changed,
                train_loss=None if last is None else last.train_loss,
                test_loss=None if evaluated is None else evaluated.test_loss,
                test_acc=None if evaluated is None else evaluated.test_acc,
                best_test_acc=store.best_test_acc(record.id),
            )
        )
    return ClassResults(lesson=state.lesson, rows=rows)


CSV_COLUMNS = (
    "student",
    "run_id",
    "run_name",
    "status",
    "step",
    "changed",
    "train_loss",
    "test_loss",
    "test_acc",
    "best_test_acc",
)


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula (=, +, -, @) is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        value = "; ".join(value)
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv(results: ClassResults) -> str:
    """The results table as CSV, one row per student, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in results.rows:
        values = row.model_dump()
        writer.writerow([_cell(values[column]) for column in CSV_COLUMNS])
    return out.getvalue()
