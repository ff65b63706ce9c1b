"""The stream's JSON messages: what a viewer sends (subscribe, unsubscribe, control) and the
text frames it receives (status, metrics, error). Binary tensor frames are in `frames.py`.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from models.spec import ParamValue
from models.train import MetricsRow
from server.lifecycle import ControlAction, RunAction, RunStatus

MAX_HZ: Final = 60.0
MIN_HZ: Final = 0.01  # a frame every 100 s at the slowest
MAX_STEP: Final = 100_000
MAX_SINCE: Final = 2**62
MAX_TOPICS: Final = 256


class _Client(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Subscribe(_Client):
    """Add topics (and set the rate and probe options); `since` asks for stored rows first."""

    type: Literal["subscribe"]
    topics: list[str] = Field(default_factory=list, max_length=MAX_TOPICS)
    max_hz: float | None = Field(
        None,
        ge=MIN_HZ,
        allow_inf_nan=False,
        description=f"Frames per second per topic ({MIN_HZ} to {MAX_HZ}; more is {MAX_HZ}).",
    )
    since: int | None = Field(None, ge=-1, le=MAX_SINCE, description="Send rows after this step.")
    sample: int | None = Field(None, ge=0, le=1_000_000, description="Feature maps' test sample.")
    reduction: Literal["abs", "square"] | None = Field(None, description="ERF: |g| or g^2.")
    options: dict[str, ParamValue] | None = Field(
        None, description="Other probe options by name (GET /api/probes lists each probe's)."
    )


class Unsubscribe(_Client):
    """Remove topics."""

    type: Literal["unsubscribe"]
    topics: list[str] = Field(default_factory=list, max_length=MAX_TOPICS)


class Control(_Client):
    """A control, as the REST controls (step takes n)."""

    type: Literal["control"]
    action: ControlAction
    n: int = Field(1, ge=1, le=MAX_STEP, description="Steps to take (step only).")


ClientMessage = Subscribe | Unsubscribe | Control
CLIENT_MESSAGES: TypeAdapter[ClientMessage] = TypeAdapter(
    Annotated[ClientMessage, Field(discriminator="type")]
)


class StatusFrame(BaseModel):
    """A run's status, sent on connect and on every change."""

    type: Literal["status"] = "status"
    run_id: str
    status: RunStatus | Literal["deleted"]
    error: str | None
    step: int | None
    actions: list[RunAction] = Field(description="The controls the status allows now.")


class MetricsFrame(BaseModel):
    """Metric rows, batched at the viewer's rate."""

    type: Literal["metrics"] = "metrics"
    rows: list[MetricsRow]


class ErrorFrame(BaseModel):
    """A message the server could not apply; the connection stays open."""

    type: Literal["error"] = "error"
    message: str


ServerFrame = StatusFrame | MetricsFrame | ErrorFrame
SERVER_FRAMES: TypeAdapter[ServerFrame] = TypeAdapter(
    Annotated[ServerFrame, Field(discriminator="type")]
)


def parse_client_message(text: str) -> ClientMessage:
    """A viewer's message, or ValueError saying in words what is wrong with it."""
    try:
        return CLIENT_MESSAGES.validate_json(text)
    except ValidationError as exc:
        raise ValueError(_explain(exc)) from exc


def _explain(exc: ValidationError) -> str:
    """The first problem of a message, in words."""
    err = exc.errors()[0]
    kind, loc = err["type"], [str(p) for p in err["loc"]]
    if kind == "json_invalid":
        return f"not JSON: {err['msg']}"
    if kind in ("model_attributes_type", "model_type"):
        return "a message must be a JSON object"
    if kind == "union_tag_not_found":
        return "a message needs a type: subscribe, unsubscribe or control"
    if kind == "union_tag_invalid":
        tag: Any = (err.get("ctx") or {}).get("tag")
        return f"unknown message type {tag!r}; use subscribe, unsubscribe or control"
    where = ".".join(loc[1:]) or "message"
    if loc[1:2] == ["action"]:
        return f"unknown action {err.get('input')!r}; use start, pause, resume, step or stop"
    return f"{where}: {err['msg']}"
