"""The live stream of a run over a websocket: subscribe to topics, send controls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from models.probes.dispatch import ProbeError, check_topic
from server.access import BAD_TOKEN, RosterDep, presented_token, refusal
from server.deps import HubDep, ManagerDep, SettingsDep, StoreDep
from server.hub import METRICS, STATUS, Hub, Subscriber, SubscriberClosed
from server.lifecycle import RunNotFoundError, RunStateError
from server.manager import RunManager, status_frame
from server.messages import (
    MAX_HZ,
    ClientMessage,
    Control,
    ErrorFrame,
    MetricsFrame,
    StatusFrame,
    Subscribe,
    Unsubscribe,
    parse_client_message,
)
from server.protocol import unhandled
from server.sockets import abort
from server.store import Store

log = logging.getLogger("layerlab.stream")

router = APIRouter(tags=["stream"])


async def _pump(ws: WebSocket, sub: Subscriber, stall_s: float) -> None:
    """Send the subscriber's frames as they become due, until it closes.

    A send that waits more than `stall_s` means the viewer has stopped reading (its
    socket is full): it is dropped, rather than held open forever.
    """
    with contextlib.suppress(SubscriberClosed, WebSocketDisconnect, RuntimeError):
        while True:
            frame = await sub.get()
            try:
                async with asyncio.timeout(stall_s):
                    if isinstance(frame, bytes):
                        await ws.send_bytes(frame)
                    else:
                        await ws.send_text(frame)
            except TimeoutError:
                dropped = abort(ws.scope)
                log.warning(
                    "run %s: a viewer read nothing for %g s; %s",
                    sub.run_id,
                    stall_s,
                    "its connection is dropped" if dropped else "it gets no more frames",
                )
                sub.close()
                return


def _status_text(store: Store, run_id: str) -> str:
    """The run's current status frame."""
    record = store.get_run(run_id)
    frame = (
        StatusFrame(run_id=run_id, status="deleted", error=None, step=None, actions=[])
        if record is None
        else status_frame(record)
    )
    return frame.model_dump_json()


def _check_topics(topics: list[str], store: Store, run_id: str, options: dict[str, Any]) -> None:
    """ValueError unless every topic is metrics, status, or a probe that fits the run."""
    record = store.get_run(run_id)
    nodes = {n.id for n in record.config.network.nodes} if record is not None else set()
    for topic in topics:
        if topic in (METRICS, STATUS):
            continue
        try:
            check_topic(topic, nodes, options)
        except ProbeError as exc:
            raise ValueError(str(exc)) from exc


async def _handle(
    message: ClientMessage,
    *,
    ws: WebSocket,
    sub: Subscriber,
    run_id: str,
    hub: Hub,
    store: Store,
    manager: RunManager,
) -> None:
    """Apply one client message (errors raised go back as error frames)."""
    match message:
        case Subscribe():
            given = {
                **(message.options or {}),
                **message.model_dump(include={"sample", "reduction"}, exclude_none=True),
            }
            _check_topics(message.topics, store, run_id, given)
            max_hz = sub.max_hz if message.max_hz is None else min(message.max_hz, MAX_HZ)
            hub.update(sub, add=message.topics, max_hz=max_hz)
            manager.watch(run_id, given or None)
            if "metrics" in message.topics and message.since is not None:
                # History first; live rows may repeat a few of these steps (clients drop
                # rows whose step is not past the last kept).
                rows = store.metrics(run_id, since=message.since)
                await ws.send_text(MetricsFrame(rows=rows).model_dump_json())
        case Unsubscribe():
            hub.update(sub, remove=message.topics)
            manager.watch(run_id)
        case Control():
            manager.control(run_id, message.action, message.n)
        case _:
            raise ValueError(unhandled(message, "the stream"))


@router.websocket("/api/runs/{run_id}/stream")
async def stream(
    ws: WebSocket,
    run_id: str,
    *,
    hub: HubDep,
    store: StoreDep,
    manager: ManagerDep,
    settings: SettingsDep,
    roster: RosterDep,
) -> None:
    """Live frames of one run: status and metrics as JSON text, tensors as binary frames."""
    await ws.accept()  # then close with the contract's code, which a refused upgrade cannot carry
    owner = store.owner(run_id)
    if owner is None:
        await ws.close(code=4404, reason=f"no run with id '{run_id}'")
        return
    # The stream's own check (a dependency's refusal could not carry the close code).
    token = presented_token(ws)
    caller = roster.member(token) if token is not None else None
    refused = (401, BAD_TOKEN) if token is not None and caller is None else None
    refused = refused or refusal(owner, caller, settings)
    if refused is not None:
        await ws.close(code=4000 + refused[0], reason=refused[1])
        return
    sub = hub.subscribe(run_id, [], max_hz=10.0)
    await ws.send_text(_status_text(store, run_id))
    pump = asyncio.create_task(_pump(ws, sub, settings.stream_stall_s))
    try:
        while True:
            received = await ws.receive()
            if received["type"] == "websocket.disconnect":
                break
            text = received.get("text")
            try:
                if text is None:
                    raise ValueError("the stream takes JSON text messages, not binary ones")
                message = parse_client_message(text)
                await _handle(
                    message, ws=ws, sub=sub, run_id=run_id, hub=hub, store=store, manager=manager
                )
            except (ValueError, TypeError, RunStateError, RunNotFoundError) as exc:
                await ws.send_text(ErrorFrame(message=str(exc)).model_dump_json())
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)
        with contextlib.suppress(RunStateError):
            manager.watch(run_id)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
