"""Classes and their members: join codes, tokens (kept only hashed) and who may see what.

A teacher creates a class and gets its join code and a teacher token; a student joins
with the code and a display name and gets a student token. A token is 32 random bytes
from `secrets`; the store keeps its SHA-256 only, and a presented token is looked up by
its hash and compared in constant time, so neither a leaked database nor timing tells
a token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.store import RunSummary, Store

Role = Literal["teacher", "student"]

# Six characters without look-alikes (no 0/O, 1/I/L): easy to read off a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS classes (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        code       TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        ended_at   TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS class_state (
        class_id TEXT PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
        state    TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS members (
        id         TEXT PRIMARY KEY,
        class_id   TEXT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        role       TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        joined_at  TEXT NOT NULL,
        UNIQUE (class_id, name)
    )
    """,
)


class RosterError(ValueError):
    """A class action that cannot be done (HTTP 404 or 409, says `status`)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Member(BaseModel):
    """Someone in a class: the teacher or a student."""

    id: str
    class_id: str
    name: str
    role: Role


Lock = Literal["palette", "training", "dataset"]


class ClassState(BaseModel):
    """What the teacher has set for every student's page; `revision` grows with each change."""

    model_config = ConfigDict(extra="forbid")

    revision: int = Field(0, ge=0, description="Changes so far; a page reloads on a new one.")
    lesson: str | None = Field(None, max_length=80, description="A lesson pushed (its name).")
    network: dict[str, Any] | None = Field(
        None, description="Or a network pushed (a spec): the teacher's current one."
    )
    locks: list[Lock] = Field(
        default_factory=list, description="Parts of the students' page they cannot change."
    )
    hidden: list[str] = Field(
        default_factory=list, max_length=64, description="Panels (probe topics) hidden."
    )
    spotlight: str | None = Field(None, max_length=40, description="The run shown full screen.")
    share_grid: bool = Field(False, description="Whether students may see the class's grid.")
    pushed: int = Field(
        0, ge=0, description="The revision of the last push (0: none); set by the server."
    )
    reset: int = Field(
        0, ge=0, description="The revision of the last class-wide reset (0: none); by the server."
    )


class ClassInfo(BaseModel):
    """A class as its teacher reads it."""

    id: str
    name: str
    code: str = Field(description="The six-character join code students type.")
    created_at: datetime
    ended_at: datetime | None = Field(description="When the teacher ended it, or null.")
    members: list[Member]
    runs: list[RunSummary] = Field(
        default_factory=list, description="The class's runs, newest first."
    )
    join_urls: list[str] = Field(
        default_factory=list,
        description="Base URLs other machines reach this server at (none: this machine only).",
    )


class Credentials(BaseModel):
    """What creating or joining a class answers: who you are in it, and your token."""

    class_id: str
    member_id: str
    name: str
    role: Role
    code: str
    token: str = Field(description="Send as 'Authorization: Bearer TOKEN' (streams: ?token=).")


def token_hash(token: str) -> str:
    """The SHA-256 a token is stored and looked up as."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Roster:
    """The classes and members of one store."""

    def __init__(self, store: Store, max_classes: int = 100, max_members: int = 200) -> None:
        self.store = store
        self.max_classes, self.max_members = max_classes, max_members
        with store.writing() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def create_class(self, name: str, teacher: str) -> Credentials:
        """A new class with a fresh join code, and its teacher's credentials."""
        class_id = uuid.uuid4().hex[:12]
        with self.store.reading() as conn:
            open_now = conn.execute("SELECT COUNT(*) FROM classes WHERE ended_at IS NULL")
            if open_now.fetchone()[0] >= self.max_classes:
                raise RosterError(
                    409, f"{self.max_classes} classes are open on this server; end one first"
                )
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self.store.writing() as conn:
                    conn.execute(
                        "INSERT INTO classes (id, name, code, created_at) VALUES (?, ?, ?, ?)",
                        (class_id, name, code, _now()),
                    )
                    return self._add(conn, class_id, code, teacher, "teacher")
            except sqlite3.IntegrityError:
                continue  # the code is taken by another class: draw again
        raise RosterError(409, "no free join code was found; try again")

    def join(self, code: str, name: str) -> Credentials:
        """A student's credentials in the class with this code."""
        with self.store.writing() as conn:
            row = conn.execute(
                "SELECT id, ended_at FROM classes WHERE code = ?", (code.strip().upper(),)
            ).fetchone()
            if row is None:
                raise RosterError(404, f"no class has the code {code!r}")
            if row[1] is not None:
                raise RosterError(409, "the class has ended")
            count = conn.execute("SELECT COUNT(*) FROM members WHERE class_id = ?", (row[0],))
            if count.fetchone()[0] >= self.max_members:
                raise RosterError(409, f"the class is full ({self.max_members} members)")
            try:
                return self._add(conn, row[0], code.strip().upper(), name, "student")
            except sqlite3.IntegrityError as exc:
                raise RosterError(409, f"someone in the class is called {name!r} already") from exc

    @staticmethod
    def _add(
        conn: sqlite3.Connection, class_id: str, code: str, name: str, role: Role
    ) -> Credentials:
        """Insert a member with a new token; the token is returned once and kept hashed."""
        token = secrets.token_urlsafe(32)
        member_id = uuid.uuid4().hex[:12]
        conn.execute(
            "INSERT INTO members (id, class_id, name, role, token_hash, joined_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (member_id, class_id, name, role, token_hash(token), _now()),
        )
        return Credentials(
            class_id=class_id, member_id=member_id, name=name, role=role, code=code, token=token
        )

    def member(self, token: str) -> Member | None:
        """The member this token is (None if it is no one's)."""
        wanted = token_hash(token)
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT id, class_id, name, role, token_hash FROM members WHERE token_hash = ?",
                (wanted,),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[4], wanted):
            return None
        return Member(id=row[0], class_id=row[1], name=row[2], role=row[3])

    def info(self, class_id: str) -> ClassInfo:
        """The class and its members (RosterError 404 if there is none)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT id, name, code, created_at, ended_at FROM classes WHERE id = ?",
                (class_id,),
            ).fetchone()
            if row is None:
                raise RosterError(404, f"no class with id {class_id!r}")
            members = conn.execute(
                "SELECT id, class_id, name, role FROM members WHERE class_id = ? "
                "ORDER BY role DESC, joined_at",
                (class_id,),
            ).fetchall()
        return ClassInfo(
            id=row[0],
            name=row[1],
            code=row[2],
            created_at=datetime.fromisoformat(row[3]),
            ended_at=None if row[4] is None else datetime.fromisoformat(row[4]),
            members=[Member(id=m[0], class_id=m[1], name=m[2], role=m[3]) for m in members],
        )

    def code_of(self, class_id: str) -> str | None:
        """The class's join code (None if there is no such class)."""
        with self.store.reading() as conn:
            row = conn.execute("SELECT code FROM classes WHERE id = ?", (class_id,)).fetchone()
        return None if row is None else str(row[0])

    def ended(self, class_id: str) -> bool:
        """Whether the class has ended (a class no longer there counts as ended)."""
        with self.store.reading() as conn:
            row = conn.execute("SELECT ended_at FROM classes WHERE id = ?", (class_id,)).fetchone()
        return row is None or row[0] is not None

    def end(self, class_id: str) -> ClassInfo:
        """End the class: no one joins or starts runs any more; its runs stay."""
        with self.store.writing() as conn:
            conn.execute(
                "UPDATE classes SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                (_now(), class_id),
            )
        return self.info(class_id)

    def state(self, class_id: str) -> ClassState:
        """What the teacher has set (the defaults before anything is)."""
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT state FROM class_state WHERE class_id = ?", (class_id,)
            ).fetchone()
        return ClassState() if row is None else ClassState.model_validate_json(row[0])

    def set_state(
        self, class_id: str, state: ClassState, *, push: bool = False, reset: bool = False
    ) -> ClassState:
        """Store a new state for the class, one revision on from the last.

        `pushed` and `reset` are the server's: a state whose lesson or network differs
        from the last (or `push`) is a push at the new revision, and `reset` marks one.
        """
        with self.store.writing() as conn:
            row = conn.execute(
                "SELECT state FROM class_state WHERE class_id = ?", (class_id,)
            ).fetchone()
            last = ClassState() if row is None else ClassState.model_validate_json(row[0])
            revision = last.revision + 1
            push = push or (state.lesson, state.network) != (last.lesson, last.network)
            new = state.model_copy(
                update={
                    "revision": revision,
                    "pushed": revision if push else last.pushed,
                    "reset": revision if reset else last.reset,
                }
            )
            conn.execute(
                "INSERT INTO class_state (class_id, state) VALUES (?, ?) "
                "ON CONFLICT (class_id) DO UPDATE SET state = excluded.state",
                (class_id, new.model_dump_json()),
            )
        return new
