"""Who is calling, and whether they may touch a run: the classroom's isolation.

A request carries its token as `Authorization: Bearer TOKEN` (a stream, which a browser
cannot give headers, as `?token=TOKEN`). Without classes nothing changes on a server
bound to this machine: no token, every run. A run of a class is its student's and its
teacher's: anyone else gets a 403, and a missing or unknown token a 401. A server bound
to another interface is shared ground, so there every run must belong to a class.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

from server.deps import SettingsDep, StoreDep
from server.roster import Member, Roster
from server.settings import LOCAL_HOSTS, Settings
from server.store import Owner

NO_TOKEN = "this run belongs to a class: send your token (Authorization: Bearer TOKEN)"
BAD_TOKEN = "the token is not known here: join the class again"
SHARED = (
    "this server is shared (it listens beyond this machine), so runs belong to a class: "
    "create or join one and send its token"
)


GUARDED: dict[int | str, dict[str, str]] = {
    401: {"description": "The run belongs to a class and the token is missing or unknown."},
    403: {"description": "The run is not the caller's (another student's, another class's)."},
}
"""The answers every request about a run may get from the check (routers list them)."""


def get_roster(conn: HTTPConnection) -> Roster:
    """The classes and their members."""
    return cast(Roster, conn.app.state.roster)


RosterDep = Annotated[Roster, Depends(get_roster)]


def shared(settings: Settings) -> bool:
    """Whether the server listens beyond this machine (and so needs classes)."""
    return settings.host.lower() not in LOCAL_HOSTS


def presented_token(conn: HTTPConnection) -> str | None:
    """The token the request carries, if any."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Only a stream takes it from the URL (a browser cannot give a websocket headers);
    # elsewhere a token in a URL would end up in logs and histories.
    if conn.scope["type"] == "websocket":
        return conn.query_params.get("token") or None
    return None


def get_caller(conn: HTTPConnection, roster: RosterDep) -> Member | None:
    """The member the request's token names; None without a token; 401 for an unknown one."""
    token = presented_token(conn)
    if token is None:
        return None
    member = roster.member(token)
    if member is None:
        raise HTTPException(401, BAD_TOKEN)
    return member


CallerDep = Annotated[Member | None, Depends(get_caller)]


def refusal(owner: Owner, caller: Member | None, settings: Settings) -> tuple[int, str] | None:
    """Why this caller may not touch a run of this owner (status, message), or None."""
    if owner.class_id is None:
        if caller is not None and caller.role == "student":
            return 403, "this run is not in your class"
        return (403, SHARED) if shared(settings) else None
    if caller is None:
        return 401, NO_TOKEN
    if caller.class_id != owner.class_id:
        return 403, "this run belongs to another class"
    if caller.role == "student" and caller.id != owner.owner_id:
        return 403, "this run is another student's"
    return None


def guard_run(
    conn: HTTPConnection, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> None:
    """Refuse a request about a run (its path's run_id) the caller may not touch."""
    run_id = conn.path_params.get("run_id")
    if run_id is None:
        return
    owner = store.owner(str(run_id))
    if owner is None:
        return  # no such run: the route answers its 404
    refused = refusal(owner, caller, settings)
    if refused is not None:
        raise HTTPException(*refused)


def owner_for_new_run(caller: Member | None, roster: Roster, settings: Settings) -> Owner:
    """Whose a run the caller creates is; 403 where the caller may not create one."""
    if caller is None:
        if shared(settings):
            raise HTTPException(403, SHARED)
        return Owner()
    if roster.ended(caller.class_id):
        raise HTTPException(409, "the class has ended: its runs stay, new ones cannot start")
    return Owner(class_id=caller.class_id, owner_id=caller.id)


def visible_to(caller: Member | None) -> Owner:
    """The runs a caller may list: a student their own, a teacher the class's, else none's."""
    if caller is None:
        return Owner()
    return Owner(class_id=caller.class_id, owner_id=caller.id if caller.role == "student" else None)
