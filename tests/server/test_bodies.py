"""The body guard on its own: a few wide bodies at once, each whole before the app sees it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from server.bodies import BodyGuard


def _scope(path: str) -> Scope:
    return {"type": "http", "method": "POST", "path": path, "headers": []}


async def _call(guard: BodyGuard, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    """One request through the guard: its status, headers and JSON (or text) body."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await guard(_scope(path), receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, json.loads(text) if text.startswith(b"{") else text


def test_more_wide_bodies_than_it_holds_at_once_are_asked_to_come_back() -> None:
    async def scenario() -> None:
        entered, leave = asyncio.Event(), asyncio.Event()
        seen: list[bytes] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append((await receive())["body"])
            if scope["path"] == "/up" and not entered.is_set():
                entered.set()
                await leave.wait()  # the first upload is still being read
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        guard = BodyGuard(app, max_bytes=10, wide={"/up": 100}, wide_at_once=1)
        first = asyncio.create_task(_call(guard, "/up", b"x" * 50))
        await entered.wait()
        status, headers, body = await _call(guard, "/up", b"y" * 50)
        assert status == 503 and headers["retry-after"] == "5"
        assert "other uploads" in body["detail"]
        assert (await _call(guard, "/small", b"z"))[0] == 200  # narrow bodies are not held back
        leave.set()
        assert (await first)[0] == 200
        assert (await _call(guard, "/up", b"w" * 50))[0] == 200  # its slot is free again
        assert (await _call(guard, "/up", b"v" * 101))[0] == 413
        assert (await _call(guard, "/small", b"u" * 11))[0] == 413
        assert seen == [b"x" * 50, b"z", b"w" * 50]

    asyncio.run(scenario())
