"""Classes: a teacher creates one, students join it by code; the teacher reads and ends it."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.presets import PRESETS
from models.spec import load_spec
from server.access import CallerDep, RosterDep
from server.addresses import join_bases
from server.class_views import (
    ClassGrid,
    ClassResults,
    GridCache,
    class_grid,
    class_results,
    results_csv,
)
from server.deps import ManagerDep, SettingsDep, StoreDep
from server.lifecycle import RunNotFoundError, RunStateError
from server.ratelimit import Attempts
from server.roster import ClassInfo, ClassState, Credentials, Member, RosterError

router = APIRouter(prefix="/api/classes", tags=["classes"])

PRINTABLE = r"^[^\x00-\x1f\x7f]+$"  # a name shown to the class: no control characters
TEACHER_ONLY: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or one this server does not know."},
    403: {"description": "The token is not this class's teacher's."},
    404: {"description": "No such class."},
}


class NewClass(BaseModel):
    """POST /api/classes."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "Class", min_length=1, max_length=80, pattern=PRINTABLE, description="The class's name."
    )
    teacher: str = Field(
        "Teacher", min_length=1, max_length=40, pattern=PRINTABLE, description="Your name."
    )


class JoinName(BaseModel):
    """POST /api/classes/{code}/join: the name a student joins under."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=40, pattern=PRINTABLE, description="The name the class sees."
    )


class Join(JoinName):
    """POST /api/classes/join."""

    code: str = Field(min_length=1, max_length=12, description="The join code, as shown.")


def _member(class_id: str, caller: CallerDep, roster: RosterDep) -> Member:
    """The caller, if in the class the path names (by its id or join code); else 401 or 403.

    A class that does not exist is a 403 as well, never a 404: what a path answers must
    not tell a stranger which codes are open (joining is where codes are tried, slowly).
    """
    if caller is None:
        raise HTTPException(401, "send your class token (Authorization: Bearer TOKEN)")
    if class_id != caller.class_id and class_id.strip().upper() != roster.code_of(caller.class_id):
        raise HTTPException(403, "you are not in this class")
    return caller


def _teacher(member: Annotated[Member, Depends(_member)]) -> Member:
    """The caller, if the class's teacher; else 401 or 403."""
    if member.role != "teacher":
        raise HTTPException(403, "only the class's teacher can do this")
    return member


MemberDep = Annotated[Member, Depends(_member)]
TeacherDep = Annotated[Member, Depends(_teacher)]


def get_join_attempts(request: Request) -> Attempts:
    """The failed joins per address."""
    return cast(Attempts, request.app.state.join_attempts)


@router.post(
    "",
    status_code=201,
    response_model=Credentials,
    responses={409: {"description": "As many classes are open as the server allows."}},
)
def create_class(body: NewClass, roster: RosterDep) -> Credentials:
    """A new class: its join code and the teacher's token (shown once, kept only hashed)."""
    return roster.create_class(body.name.strip(), body.teacher.strip())


JOIN_REFUSALS: dict[int | str, dict[str, str]] = {
    404: {"description": "No class has this code."},
    409: {"description": "The class has ended, is full, or has someone of this name."},
    429: {"description": "Too many unknown codes tried from this address; see Retry-After."},
}


@router.post(
    "/join",
    status_code=201,
    response_model=Credentials,
    responses=JOIN_REFUSALS,
)
def join_class(
    body: Join,
    request: Request,
    roster: RosterDep,
    attempts: Annotated[Attempts, Depends(get_join_attempts)],
) -> Credentials:
    """Join a class by its code: a student token (shown once, kept only hashed).

    An address that tries too many unknown codes in a minute waits (429): six characters
    of 31 are about 900 million codes, too many to guess at that pace.
    """
    address = request.client.host if request.client else "unknown"
    wait = attempts.retry_after(address)
    if wait:
        raise HTTPException(
            429,
            f"too many join codes tried from here; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    try:
        return roster.join(body.code, body.name.strip())
    except RosterError as exc:
        if exc.status == 404:
            attempts.fail(address)
        raise


@router.post(
    "/{code}/join",
    status_code=201,
    response_model=Credentials,
    responses=JOIN_REFUSALS,
)
def join_class_by_path(
    code: Annotated[str, PathParam(min_length=1, max_length=12, description="The join code.")],
    body: JoinName,
    request: Request,
    roster: RosterDep,
    attempts: Annotated[Attempts, Depends(get_join_attempts)],
) -> Credentials:
    """Join the class whose code the path names (the same as POST /api/classes/join)."""
    return join_class(Join(code=code, name=body.name), request, roster, attempts)


@router.get("/{class_id}", response_model=ClassInfo, responses=TEACHER_ONLY)
def read_class(
    teacher: TeacherDep, roster: RosterDep, settings: SettingsDep, store: StoreDep
) -> ClassInfo:
    """The class (by id or join code): members, runs, where students reach the server."""
    info = roster.info(teacher.class_id)
    names = {member.id: member.name for member in info.members}
    runs = [
        run.model_copy(update={"owner": names.get(run.owner_id or "")})
        for run in store.class_runs(teacher.class_id)
    ]
    return info.model_copy(update={"join_urls": join_bases(settings), "runs": runs})


@router.post("/{class_id}/end", response_model=ClassInfo, responses=TEACHER_ONLY)
def end_class(teacher: TeacherDep, roster: RosterDep) -> ClassInfo:
    """End the class (its teacher only): no one joins or creates runs; its runs are kept."""
    return roster.end(teacher.class_id)


@router.delete("/{class_id}", response_model=ClassInfo, responses=TEACHER_ONLY)
def delete_class(teacher: TeacherDep, roster: RosterDep) -> ClassInfo:
    """End the class, as POST /end does: its runs stay for the teacher to export."""
    return roster.end(teacher.class_id)


MEMBERS_ONLY: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or one this server does not know."},
    403: {"description": "The token is not of this class."},
}


@router.get("/{class_id}/state", response_model=ClassState, responses=MEMBERS_ONLY)
def read_state(member: MemberDep, roster: RosterDep) -> ClassState:
    """What the teacher has set for the class's pages (any member may read it)."""
    return roster.state(member.class_id)


@router.put(
    "/{class_id}/state",
    response_model=ClassState,
    responses={**TEACHER_ONLY, 422: {"description": "A lesson, network or run that is not."}},
)
def write_state(
    state: ClassState,
    *,
    teacher: TeacherDep,
    roster: RosterDep,
    store: StoreDep,
    manager: ManagerDep,
) -> ClassState:
    """Push a lesson or a network, lock or hide parts of the students' pages, spotlight a run.

    A lesson or network other than the last is pushed; `pushed` and `reset` are the server's.
    """
    class_id = teacher.class_id
    _check_push(state.lesson, state.network)
    if state.spotlight is not None:
        owner = store.owner(state.spotlight)
        if owner is None or owner.class_id != class_id:
            raise HTTPException(422, f"no run {state.spotlight!r} in this class to spotlight")
    previous = roster.state(class_id).spotlight
    written = roster.set_state(class_id, state)
    manager.spotlight(written.spotlight, previous)
    return written


def _check_push(lesson: str | None, network: dict[str, Any] | None) -> None:
    """A 422 for a lesson that does not exist or a network that is not a valid spec."""
    if lesson is not None and lesson not in PRESETS:
        raise HTTPException(422, f"no lesson is called {lesson!r}")
    if network is not None and load_spec(network).graph is None:
        raise HTTPException(422, "the network pushed is not a valid spec")


class Push(BaseModel):
    """POST /api/classes/{id}/push: a lesson or a network for every student's page."""

    model_config = ConfigDict(extra="forbid")

    lesson: str | None = Field(None, max_length=80, description="A lesson's name.")
    network: dict[str, Any] | None = Field(None, description="Or a network spec.")

    @model_validator(mode="after")
    def _one(self) -> Push:
        if (self.lesson is None) == (self.network is None):
            raise ValueError("push either a lesson or a network")
        return self


@router.post(
    "/{class_id}/push",
    response_model=ClassState,
    responses={**TEACHER_ONLY, 422: {"description": "A lesson or network that is not."}},
)
def push(body: Push, teacher: TeacherDep, roster: RosterDep) -> ClassState:
    """Push a lesson or a network to every student's page (again, if it is the same)."""
    _check_push(body.lesson, body.network)
    state = roster.state(teacher.class_id).model_copy(
        update={"lesson": body.lesson, "network": body.network}
    )
    return roster.set_state(teacher.class_id, state, push=True)


class ClassControl(BaseModel):
    """POST /api/classes/{id}/control: one control for every student's runs."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["start", "pause", "resume", "stop", "reset"] = Field(
        description="reset: stop every student's run and clear their pages for a fresh start."
    )


class ControlReport(BaseModel):
    """What a class-wide control did to each student's run."""

    applied: list[str] = Field(description="Runs the control reached.")
    skipped: dict[str, str] = Field(description="Runs it did not apply to, and why.")


@router.post("/{class_id}/control", response_model=ControlReport, responses=TEACHER_ONLY)
def control_class(
    body: ClassControl, teacher: TeacherDep, manager: ManagerDep, roster: RosterDep
) -> ControlReport:
    """Start, pause, resume, stop or reset every student's run at once (the teacher's aside)."""
    class_id = teacher.class_id
    action = "stop" if body.action == "reset" else body.action
    report = ControlReport(applied=[], skipped={})
    for run in manager.store.class_runs(class_id):
        if run.owner_id == teacher.id or run.status in ("completed", "stopped", "failed"):
            continue
        try:
            manager.control(run.id, action)
        except (RunStateError, RunNotFoundError) as exc:
            report.skipped[run.id] = str(exc)
        else:
            report.applied.append(run.id)
    if body.action == "reset":
        roster.set_state(class_id, roster.state(class_id), reset=True)
    return report


@router.get(
    "/{class_id}/grid",
    response_model=ClassGrid,
    responses={
        401: MEMBERS_ONLY[401],
        403: {"description": "Not of this class, or a student while the grid is not shared."},
    },
)
def read_grid(member: MemberDep, request: Request, roster: RosterDep, store: StoreDep) -> ClassGrid:
    """Every student's latest run: status, step, test accuracy, a short loss curve."""
    class_id = member.class_id
    if member.role != "teacher" and not roster.state(class_id).share_grid:
        raise HTTPException(403, "the teacher has not shared the class's grid")
    grids = cast(GridCache, request.app.state.grids)
    return grids.get(class_id, lambda: class_grid(store, roster, class_id))


@router.get("/{class_id}/results", response_model=ClassResults, responses=TEACHER_ONLY)
def read_results(teacher: TeacherDep, roster: RosterDep, store: StoreDep) -> ClassResults:
    """Each student's latest run: what they changed against the push, and its final metrics."""
    return class_results(store, roster, teacher.class_id)


@router.get(
    "/{class_id}/results.csv",
    response_class=Response,
    responses={**TEACHER_ONLY, 200: {"content": {"text/csv": {}}}},
)
def read_results_csv(teacher: TeacherDep, roster: RosterDep, store: StoreDep) -> Response:
    """The results table as a CSV file, one row per student."""
    text = results_csv(class_results(store, roster, teacher.class_id))
    name = f"class-{teacher.class_id}-results.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
