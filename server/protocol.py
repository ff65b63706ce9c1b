"""The typed seam between the web process and a worker: commands in, events out.

Each message is a frozen pydantic model tagged by `type`; `Command` and `Event`
are their unions, discriminated by that tag. The manager and the worker `match`
on them and end with `unhandled(...)`, which mypy checks is unreachable (every
member has a branch) and which, should a message arrive that nobody handles,
logs it and says so instead of dropping it.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal, NoReturn

from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

from models.optim import TrainingConfig, TrainingPatch
from models.run import RunConfig
from models.spec import ParamValue
from models.train import MetricsRow
from server.lifecycle import RunStatus

log = logging.getLogger("layerlab.protocol")

Meta = dict[str, JsonValue]


class Message(BaseModel):
    """Base of every message across the seam: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class RunMessage(Message):
    """A message about one run."""

    run_id: str


# Options viewers set for a run's probes (sample, reduction, resolution...): JSON values,
# which each probe's own options model (the probe registry) checks when it runs.
ProbeOptions = dict[str, ParamValue]


# --- commands: web process -> worker ------------------------------------------------------


class Start(RunMessage):
    """Load a run (from its checkpoint when resuming) and set it going, or paused."""

    type: Literal["start"] = "start"
    config: RunConfig
    resume: bool = False
    paused: bool = False
    steps: int = Field(0, ge=0, description="Single steps to take while paused.")
    watch: dict[str, float] = Field(default_factory=dict)
    options: ProbeOptions = Field(default_factory=dict)
    # A fork from another run's weights: the file (in the data directory) it starts from.
    init_weights: str | None = None
    # Whose worker time the run shares (a class's student); None: a share of its own.
    share: str | None = None


class Pause(RunMessage):
    """Pause a run; it checkpoints."""

    type: Literal["pause"] = "pause"


class Resume(RunMessage):
    """Set a paused run going again."""

    type: Literal["resume"] = "resume"


class Step(RunMessage):
    """Take n steps, then stay paused."""

    type: Literal["step"] = "step"
    n: int = Field(1, ge=1)


class Stop(RunMessage):
    """Stop a run for good; it checkpoints."""

    type: Literal["stop"] = "stop"


class Update(RunMessage):
    """Apply a live change of training settings."""

    type: Literal["update"] = "update"
    changes: TrainingPatch


class Drop(RunMessage):
    """Forget a run and free its memory (it was deleted)."""

    type: Literal["drop"] = "drop"


class Watch(RunMessage):
    """Stream these probe topics of a run, at most at these rates (Hz)."""

    type: Literal["watch"] = "watch"
    topics: dict[str, float]
    options: ProbeOptions = Field(default_factory=dict)


class Spotlight(RunMessage):
    """Put a run in the spotlight (its own share of the worker, a large one) or take it out."""

    type: Literal["spotlight"] = "spotlight"
    on: bool


class Probe(RunMessage):
    """Compute one probe now and answer it with a ProbeAnswer of the same request_id."""

    type: Literal["probe"] = "probe"
    request_id: str
    topic: str
    node: str | None = None
    options: ProbeOptions = Field(default_factory=dict)
    # Set for a run the worker does not hold (paused after a restart, completed, stopped):
    # the worker loads its checkpoint, the final weights, to answer.
    config: RunConfig | None = None


class Shutdown(Message):
    """Checkpoint every run and exit."""

    type: Literal["shutdown"] = "shutdown"


Command = (
    Start | Pause | Resume | Step | Stop | Update | Drop | Watch | Spotlight | Probe | Shutdown
)
RunCommand = Pause | Resume | Step | Stop | Update | Drop | Watch | Spotlight
"""Commands about a run the worker must already hold."""

# --- events: worker -> web process ----------------------------------------------------------


class Ready(Message):
    """The worker is up, on this device."""

    type: Literal["ready"] = "ready"
    pid: int
    device: str
    flops_per_s: float = Field(description="Training speed measured on the device, FLOP/s.")


class Status(RunMessage):
    """A run's status changed (the worker's view: running, paused, completed, stopped, failed)."""

    type: Literal["status"] = "status"
    status: RunStatus
    error: str | None = None
    step: int | None = None


class Metrics(RunMessage):
    """New rows of a run's metric history."""

    type: Literal["metrics"] = "metrics"
    rows: list[MetricsRow]


class Checkpoint(RunMessage):
    """A run's checkpoint was written (path relative to the data directory)."""

    type: Literal["checkpoint"] = "checkpoint"
    checkpoint: str
    step: int


class Updated(RunMessage):
    """A live change took effect: the settings now in force."""

    type: Literal["updated"] = "updated"
    training: TrainingConfig


class UpdateFailed(RunMessage):
    """A live change was refused by the run."""

    type: Literal["update_failed"] = "update_failed"
    error: str


class ProbePayload(Message):
    """One probe's answer: its metadata and arrays (on the CPU, as numpy)."""

    topic: str
    node: str | None
    step: int
    meta: Meta
    arrays: dict[str, NDArray[Any]]

    def as_json(self) -> dict[str, JsonValue]:
        """Everything as plain JSON (arrays as nested lists), for the REST answer."""
        arrays: dict[str, JsonValue] = {
            name: {"shape": list(a.shape), "dtype": str(a.dtype), "data": a.tolist()}
            for name, a in self.arrays.items()
        }
        return {
            "step": self.step,
            "topic": self.topic,
            "node": self.node,
            **self.meta,
            "arrays": arrays,
        }


class ProbeFrame(RunMessage):
    """A streamed probe of a watched topic."""

    type: Literal["probe_frame"] = "probe_frame"
    probe: ProbePayload


class ProbeStopped(RunMessage):
    """A watched topic does not apply to the run and is no longer streamed."""

    type: Literal["probe_stopped"] = "probe_stopped"
    topic: str
    error: str


class ProbeAnswer(RunMessage):
    """The answer to a Probe command: the probe, or why not."""

    type: Literal["probe_answer"] = "probe_answer"
    request_id: str
    probe: ProbePayload | None = None
    error: str | None = None
    retry_after_s: float | None = Field(
        None, description="Over the probe budget: ask again after this long (no error)."
    )
    more: bool = Field(
        False,
        description="A piece of a longer probe (the loss slice so far): ask again for the rest.",
    )


class UnknownRun(RunMessage):
    """A command named a run the worker does not hold."""

    type: Literal["unknown_run"] = "unknown_run"
    command: str


class Rejected(Message):
    """A command the worker could not take (not a command, or one it has no handler for)."""

    type: Literal["rejected"] = "rejected"
    command: str
    error: str


class Bye(Message):
    """The worker is exiting after a shutdown (or because the server went away)."""

    type: Literal["bye"] = "bye"


class Died(Message):
    """The worker process ended without saying bye (made by the reader, not the worker)."""

    type: Literal["died"] = "died"
    exitcode: int | None
    # Set when the server ended it: why, in words, for the run it was stepping.
    reason: str | None = None


Event = (
    Ready
    | Status
    | Metrics
    | Checkpoint
    | Updated
    | UpdateFailed
    | ProbeFrame
    | ProbeStopped
    | ProbeAnswer
    | UnknownRun
    | Rejected
    | Bye
    | Died
)

COMMANDS: TypeAdapter[Command] = TypeAdapter(Annotated[Command, Field(discriminator="type")])


def describe(message: object) -> str:
    """A message's tag for logs (its `type`, or its Python type)."""
    return str(getattr(message, "type", type(message).__name__))


def unhandled(message: NoReturn, where: str) -> str:
    """Log a message no branch handled; mypy proves no member of the union gets here."""
    what = describe(message)
    log.error("%s: no handler for message %r", where, what)
    return f"{where} has no handler for '{what}'"
