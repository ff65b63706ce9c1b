"""Runs: create, list, read, delete, control, change training, read metrics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.errors import InvalidSpecError, SpecError
from models.optim import TrainingPatch
from models.run import DatasetRef, RunConfig, field_errors, parse_run
from models.train import MetricsRow
from server.access import GUARDED, CallerDep, RosterDep, guard_run, owner_for_new_run, visible_to
from server.deps import ManagerDep, SettingsDep, StoreDep
from server.errors import ErrorList, refuse
from server.lifecycle import ControlAction, RunNotFoundError, RunStateError
from server.roster import Member
from server.settings import Settings
from server.store import RunRecord, RunSummary
from server.uploads import check_use
from server.validation import check_run, step_cost_errors

# Every path with a run id first checks that the caller may touch that run (server/access.py).
router = APIRouter(
    prefix="/api/runs", tags=["runs"], dependencies=[Depends(guard_run)], responses=GUARDED
)

MAX_PAGE = 1000

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such run."}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The control does not apply to the run's status."}
}


class StepRequest(BaseModel):
    """How many steps to take."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(1, ge=1, le=100_000, description="Steps to take, then pause.")


def _checked(
    body: Any, settings: SettingsDep, manager: ManagerDep, detail: str
) -> RunConfig | JSONResponse:
    """The run body parsed and within the server's limits, or its 422 with every problem."""
    try:
        config = parse_run(body)
    except InvalidSpecError as exc:
        return refuse(422, detail, exc.errors)
    errors = check_run(config, settings, manager.flops_per_s, manager.device)
    return refuse(422, detail, errors) if errors else config


def _record(store: StoreDep, run_id: str) -> RunRecord:
    """The run or a 404."""
    record = store.get_run(run_id)
    if record is None:
        raise HTTPException(404, str(RunNotFoundError(run_id)))
    return record


def _check_dataset_use(body: Any, caller: Member | None, settings: Settings) -> None:
    """Refuse an upload the caller may not use before anything is checked against it (the
    errors of a network that does not fit would tell its shape and size)."""
    dataset = body.get("dataset") if isinstance(body, dict) else None
    name = dataset.get("name") if isinstance(dataset, dict) else None
    if isinstance(name, str):
        check_use(name, caller, settings)


@router.post(
    "",
    status_code=201,
    response_model=RunRecord,
    responses={422: {"model": ErrorList, "description": "The run is invalid."}},
)
def create_run(
    *,
    store: StoreDep,
    settings: SettingsDep,
    manager: ManagerDep,
    caller: CallerDep,
    roster: RosterDep,
    body: Annotated[dict[str, Any], Body(description="name, network, dataset, training, device")],
) -> Any:
    """Create a run (not started); with a class token, the caller's run in that class."""
    owner = owner_for_new_run(caller, roster, settings)
    _check_dataset_use(body, caller, settings)
    config = _checked(body, settings, manager, "the run is invalid")
    if isinstance(config, JSONResponse):
        return config
    return store.create_run(config, owner)


class ForkRequest(BaseModel):
    """POST /api/runs/{id}/fork: what changes, and whether to keep the weights."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, description="Default: the source's, forked.")
    training: dict[str, Any] = Field(
        default_factory=dict,
        description="Training fields that change (optimizer, lr, seed, ...); the rest are kept.",
    )
    dataset: DatasetRef | None = Field(None, description="Another dataset (from step 0 only).")
    weights: Literal["fresh", "current"] = Field(
        "fresh",
        description="fresh: new weights from the seed, step 0; current: the source's latest "
        "saved weights, step 0 with a fresh optimizer.",
    )

    @model_validator(mode="before")
    @classmethod
    def _contract_form(cls, data: Any) -> Any:
        """Also the design card's form: `{"changes": {...}, "from": "start" | "weights"}`.

        `changes` holds training fields, and `name` or `dataset` if they change; `from`
        start is fresh weights, weights the source's current ones.
        """
        if not isinstance(data, dict) or not ({"changes", "from"} & data.keys()):
            return data
        out = {k: v for k, v in data.items() if k not in ("changes", "from")}
        changes = data.get("changes") or {}
        if not isinstance(changes, dict):
            raise ValueError("changes must be an object of the fields that change")
        training = dict(out.get("training") or {})
        for key, value in changes.items():
            if key in ("name", "dataset"):
                out[key] = value
            else:
                training[key] = value
        out["training"] = training
        if "from" in data:
            source = {"start": "fresh", "weights": "current"}.get(data["from"])
            if source is None:
                raise ValueError("from must be 'start' or 'weights'")
            out["weights"] = source
        return out


@router.post(
    "/{run_id}/fork",
    status_code=201,
    response_model=RunRecord,
    responses={
        **NOT_FOUND,
        409: {"description": "The source has no saved weights to start from."},
        422: {"model": ErrorList, "description": "The change makes an invalid run."},
    },
)
def fork_run(
    run_id: str,
    fork: ForkRequest,
    *,
    store: StoreDep,
    settings: SettingsDep,
    manager: ManagerDep,
    caller: CallerDep,
    roster: RosterDep,
) -> Any:
    """A new run like this one with some fields changed (created, not started): the caller's."""
    source = _record(store, run_id)
    owner = owner_for_new_run(caller, roster, settings)
    if fork.dataset is not None and fork.weights == "current":
        error = SpecError(field="dataset", message="another dataset needs fresh weights")
        return refuse(422, "the fork is invalid", [error])
    body = source.config.model_dump(mode="json")
    body["training"] = {**body["training"], **fork.training}
    body["name"] = fork.name or f"{source.config.name} (fork)"[:200]
    if fork.dataset is not None:
        body["dataset"] = fork.dataset.model_dump(mode="json")
    _check_dataset_use(body, caller, settings)
    config = _checked(body, settings, manager, "the fork is invalid")
    if isinstance(config, JSONResponse):
        return config
    try:
        return manager.fork(source, config, weights=fork.weights == "current", owner=owner)
    except RunStateError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.get("", response_model=list[RunSummary])
def list_runs(
    *,
    store: StoreDep,
    response: Response,
    caller: CallerDep,
    roster: RosterDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Runs per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**62, description="Runs to skip.")] = 0,
) -> list[RunSummary]:
    """The runs the caller may see, newest first, as summaries; X-Total-Count.

    Without a token: the runs outside any class; a student: their own; a teacher: the class's.
    """
    page, total = store.summaries(limit, offset, visible_to(caller))
    if caller is not None and caller.role == "teacher":
        names = {m.id: m.name for m in roster.info(caller.class_id).members}
        page = [run.model_copy(update={"owner": names.get(run.owner_id or "")}) for run in page]
    response.headers["X-Total-Count"] = str(total)
    return page


@router.get("/{run_id}", response_model=RunRecord, responses=NOT_FOUND)
def read_run(run_id: str, store: StoreDep, manager: ManagerDep) -> RunRecord:
    """One run."""
    record = _record(store, run_id)
    manager.touch(run_id)  # a script that polls its run is watching it
    return record


@router.delete("/{run_id}", status_code=204, responses=NOT_FOUND)
def delete_run(run_id: str, store: StoreDep, manager: ManagerDep) -> Response:
    """Delete a run, its history and its checkpoint."""
    _record(store, run_id)
    manager.delete(run_id)
    return Response(status_code=204)


def _control(manager: ManagerDep, run_id: str, action: ControlAction, n: int = 1) -> RunRecord:
    """Apply a control, mapping its failures to 404 and 409."""
    try:
        return manager.control(run_id, action, n)
    except RunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except RunStateError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/{run_id}/start", response_model=RunRecord, responses={**NOT_FOUND, **CONFLICT})
def start(run_id: str, manager: ManagerDep) -> RunRecord:
    """Queue the run for training."""
    return _control(manager, run_id, "start")


@router.post("/{run_id}/pause", response_model=RunRecord, responses={**NOT_FOUND, **CONFLICT})
def pause(run_id: str, manager: ManagerDep) -> RunRecord:
    """Pause the run (it checkpoints)."""
    return _control(manager, run_id, "pause")


@router.post("/{run_id}/resume", response_model=RunRecord, responses={**NOT_FOUND, **CONFLICT})
def resume(run_id: str, manager: ManagerDep) -> RunRecord:
    """Resume a paused run."""
    return _control(manager, run_id, "resume")


@router.post("/{run_id}/step", response_model=RunRecord, responses={**NOT_FOUND, **CONFLICT})
def step(run_id: str, manager: ManagerDep, body: StepRequest | None = None) -> RunRecord:
    """Take n steps, then stay paused."""
    return _control(manager, run_id, "step", (body or StepRequest()).n)


@router.post("/{run_id}/stop", response_model=RunRecord, responses={**NOT_FOUND, **CONFLICT})
def stop(run_id: str, manager: ManagerDep) -> RunRecord:
    """Stop the run for good (it checkpoints)."""
    return _control(manager, run_id, "stop")


@router.patch(
    "/{run_id}/training",
    response_model=RunRecord,
    responses={**NOT_FOUND, **CONFLICT, 422: {"model": ErrorList}},
)
def patch_training(
    run_id: str, patch: TrainingPatch, manager: ManagerDep, settings: SettingsDep
) -> Any:
    """Change the optimizer's hyperparameters, batch size or max steps, live."""
    changes = patch.changes()
    limits = settings.limits
    if changes.get("batch_size", 0) > limits.max_batch_size:
        return refuse(
            422,
            "invalid change",
            [SpecError(field="batch_size", message=f"at most {limits.max_batch_size}")],
        )
    if changes.get("max_steps", 0) > limits.max_steps:
        return refuse(
            422,
            "invalid change",
            [SpecError(field="max_steps", message=f"at most {limits.max_steps}")],
        )
    if "batch_size" in changes and (record := manager.store.get_run(run_id)) is not None:
        # A larger batch is a costlier step: the run must still fit what one step may cost.
        training = record.config.training.model_copy(update={"batch_size": patch.batch_size})
        larger = record.config.model_copy(update={"training": training})
        costly = step_cost_errors(larger, settings, manager.flops_per_s, manager.device)
        if costly:
            return refuse(422, "invalid change", costly)
    try:
        return manager.update_training(run_id, patch)
    except RunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except RunStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValidationError as exc:
        return refuse(422, "invalid change", field_errors(exc))


@router.get("/{run_id}/metrics", response_model=list[MetricsRow], responses=NOT_FOUND)
def metrics(
    run_id: str,
    store: StoreDep,
    since: Annotated[
        int | None, Query(ge=-1, le=2**62, description="Only rows with a larger step.")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    *,
    manager: ManagerDep,
) -> list[MetricsRow]:
    """The run's metric history, ascending by step."""
    _record(store, run_id)
    manager.touch(run_id)
    return store.metrics(run_id, since=since, limit=limit)
