"""The live stream of a run over a websocket: subscribe to topics, send controls."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from server.deps import HubDep, ManagerDep, StoreDep
from server.frames import to_json
from server.hub import Hub, Subscriber, SubscriberClosed
from server.manager import RunManager, RunStateError
from server.store import Store

router = APIRouter(tags=["stream"])

CONTROLS = {
    "start": "start_run",
    "pause": "pause",
    "resume": "resume",
    "step": "step",
    "stop": "stop",
}
MAX_HZ = 60.0
MAX_STEP = 100_000
MAX_SINCE = 2**62


def _bounded(value: Any, name: str, lo: int, hi: int) -> int:
    """An integer option of a message within [lo, hi], or ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a number from {lo} to {hi}")
    return int(value)


async def _pump(ws: WebSocket, sub: Subscriber) -> None:
    """Send the subscriber's frames as they become due, until it closes."""
    with contextlib.suppress(SubscriberClosed, WebSocketDisconnect, RuntimeError):
        while True:
            frame = await sub.get()
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            else:
                await ws.send_text(frame)


def _status_text(store: Store, run_id: str) -> str:
    """The run's current status frame."""
    record = store.get_run(run_id)
    if record is None:
        return to_json(
            {"type": "status", "run_id": run_id, "status": "deleted", "error": None, "step": None}
        )
    return to_json(
        {
            "type": "status",
            "run_id": run_id,
            "status": record.status,
            "error": record.error,
            "step": record.step,
        }
    )


async def _handle(
    message: dict[str, Any],
    *,
    ws: WebSocket,
    sub: Subscriber,
    run_id: str,
    hub: Hub,
    store: Store,
    manager: RunManager,
) -> None:
    """Apply one client message; problems go back as {"type": "error"} frames."""
    kind = message.get("type")
    if kind == "subscribe":
        topics = message.get("topics") or []
        max_hz = min(float(message.get("max_hz", sub.max_hz)), MAX_HZ)
        hub.update(sub, add=topics, max_hz=max_hz)
        options: dict[str, Any] = {k: message[k] for k in ("sample", "reduction") if k in message}
        manager.watch(run_id, options or None)
        if "metrics" in topics and message.get("since") is not None:
            # History first; live rows may repeat a few of these steps (clients drop step <= last).
            rows = store.metrics(run_id, since=_bounded(message["since"], "since", -1, MAX_SINCE))
            await ws.send_text(to_json({"type": "metrics", "rows": [r.model_dump() for r in rows]}))
    elif kind == "unsubscribe":
        hub.update(sub, remove=message.get("topics") or [])
        manager.watch(run_id)
    elif kind == "control":
        action = CONTROLS.get(str(message.get("action")))
        if action is None:
            raise ValueError(f"unknown action {message.get('action')!r}; use {', '.join(CONTROLS)}")
        kwargs = {"n": _bounded(message.get("n", 1), "n", 1, MAX_STEP)} if action == "step" else {}
        getattr(manager, action)(run_id, **kwargs)
    else:
        raise ValueError(f"unknown message type {kind!r}; use subscribe, unsubscribe or control")


@router.websocket("/api/runs/{run_id}/stream")
async def stream(
    ws: WebSocket, run_id: str, hub: HubDep, store: StoreDep, manager: ManagerDep
) -> None:
    """Live frames of one run: status and metrics as JSON text, tensors as binary frames."""
    if store.get_run(run_id) is None:
        await ws.close(code=4404, reason=f"no run with id '{run_id}'")
        return
    await ws.accept()
    sub = hub.subscribe(run_id, [], max_hz=10.0)
    await ws.send_text(_status_text(store, run_id))
    pump = asyncio.create_task(_pump(ws, sub))
    try:
        while True:
            text = await ws.receive_text()
            try:
                message = json.loads(text)
                if not isinstance(message, dict):
                    raise ValueError("a message must be a JSON object")
                await _handle(
                    message, ws=ws, sub=sub, run_id=run_id, hub=hub, store=store, manager=manager
                )
            except (
                ValueError,
                TypeError,
                KeyError,
                OverflowError,
                RunStateError,
                ValidationError,
            ) as exc:
                await ws.send_text(to_json({"type": "error", "message": str(exc)}))
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)
        with contextlib.suppress(RunStateError):
            manager.watch(run_id)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
