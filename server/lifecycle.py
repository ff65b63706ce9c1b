"""A run's life in one table: status x action -> the status it heads for, or why not (409).

The manager applies controls through it, the routers and the stream's controls
reach it through the manager, and every run record and status frame carries the
actions it allows now, so the page never re-derives them.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

RunStatus = Literal["created", "queued", "running", "paused", "completed", "stopped", "failed"]
RunAction = Literal["start", "pause", "resume", "step", "stop", "update"]
ControlAction = Literal["start", "pause", "resume", "step", "stop"]
"""The actions that move a run (update changes its settings)."""

ACTIVE: Final[tuple[RunStatus, ...]] = ("queued", "running", "paused")
TERMINAL: Final[tuple[RunStatus, ...]] = ("completed", "stopped", "failed")
ACTIONS: Final[tuple[RunAction, ...]] = get_args(RunAction)

# Where each allowed action leads. The worker reports where the run really ends up
# (running, paused after single steps, completed...); this is what the control asks for.
TRANSITIONS: Final[dict[RunStatus, dict[RunAction, RunStatus]]] = {
    "created": {"start": "queued", "step": "queued", "stop": "stopped", "update": "created"},
    "queued": {
        "start": "queued",
        "pause": "paused",
        "resume": "queued",
        "step": "queued",
        "stop": "stopped",
        "update": "queued",
    },
    "running": {
        "start": "running",
        "pause": "paused",
        "resume": "running",
        "stop": "stopped",
        "update": "running",
    },
    "paused": {
        "start": "running",
        "pause": "paused",
        "resume": "running",
        "step": "paused",
        "stop": "stopped",
        "update": "paused",
    },
    # Pausing or stopping an ended run asks for what holds already (it does not train): a
    # client whose status is a moment behind (the run completed as it pressed) gets the run.
    "completed": {"pause": "completed", "stop": "completed"},
    "stopped": {"pause": "stopped", "stop": "stopped"},
    "failed": {"pause": "failed", "stop": "failed"},
}

# Accepted but not offered: repeats of what the run does already (as its status says).
# They are still passed on to the worker, except a second start: the status the store
# holds may be a moment behind the worker (a pause on its way), and the worker applies
# controls in the order they were sent. Resuming a queued run is a real action: it may
# be queued to take single steps.
ALREADY: Final[frozenset[tuple[RunStatus, RunAction]]] = frozenset(
    {
        ("queued", "start"),
        ("running", "start"),
        ("running", "resume"),
        ("paused", "pause"),
        *((status, action) for status in TERMINAL for action in ("pause", "stop")),
    }
)

# Why an action is refused, in words; `{status}` is the run's status.
_REFUSED: Final[dict[RunAction, str]] = {
    "start": "the run is {status}; create a new run to train again",
    "pause": "the run is {status}; only a running run can pause",
    "resume": "the run is {status}; only a paused run can resume",
    "step": "the run is {status}; it cannot take more steps",
    "update": "the run is {status}; its settings can no longer change",
}
_REFUSED_HERE: Final[dict[tuple[RunStatus, RunAction], str]] = {
    ("running", "step"): "the run is running; pause it before stepping",
}


class RunStateError(Exception):
    """A control that does not apply to the run's current status (HTTP 409)."""


class RunNotFoundError(Exception):
    """No run has this id (HTTP 404)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no run with id '{run_id}'")
        self.run_id = run_id


def allowed(status: RunStatus) -> list[RunAction]:
    """The actions that do something to a run in this status, in the table's order."""
    return [a for a in ACTIONS if a in TRANSITIONS[status] and (status, a) not in ALREADY]


def transition(status: RunStatus, action: RunAction) -> RunStatus:
    """The status this action leads to, or RunStateError saying why it does not apply."""
    target = TRANSITIONS[status].get(action)
    if target is None:
        reason = _REFUSED_HERE.get((status, action), _REFUSED[action])
        raise RunStateError(reason.format(status=status))
    return target
