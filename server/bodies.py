"""Request bodies within bounds: at most `max_body_bytes` (413), and JSON text that can be
stored and echoed back (no lone UTF-16 surrogates, which JSON's `\\u` escapes can carry)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def lone_surrogate(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where a parsed JSON value holds a string that is not valid Unicode, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = lone_surrogate(key, path) or lone_surrogate(item, (*path, str(key)))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = lone_surrogate(item, (*path, str(i)))
            if found is not None:
                return found
    return None


def _refusal(status: int, detail: str, field: str | None, message: str) -> JSONResponse:
    """The contract's error shape."""
    error = {"node": None, "field": field, "message": message}
    return JSONResponse({"detail": detail, "errors": [error]}, status_code=status)


class BodyGuard:
    """ASGI middleware: reads a request's body up to the limit, checks it, then passes it on.

    `wide` gives a POST path a limit of its own (an upload's form is larger than any JSON);
    at most `wide_at_once` such bodies are held at once, the others answered 503 at once.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        wide: Mapping[str, int] | None = None,
        wide_at_once: int = 4,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.wide = dict(wide or {})
        self.wide_at_once = wide_at_once
        self.wide_held = 0  # wide bodies being read or handled now (one event loop: no lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        wide = self.wide.get(scope["path"]) if scope["method"] == "POST" else None
        max_bytes = self.max_bytes if wide is None else wide
        too_big = _refusal(
            413,
            "the request body is too large",
            None,
            f"this server takes bodies of at most {max_bytes:,} bytes",
        )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            await too_big(scope, receive, send)
            return
        if wide is None:
            await self._pass(
                scope, receive, send, headers=headers, max_bytes=max_bytes, too_big=too_big
            )
            return
        # Each wide body is held whole in memory: a few at once bound what they take.
        if self.wide_held >= self.wide_at_once:
            busy = _refusal(
                503,
                "the server is receiving other uploads",
                None,
                "the server is receiving other uploads: send it again in a few seconds",
            )
            busy.headers["Retry-After"] = "5"
            await busy(scope, receive, send)
            return
        self.wide_held += 1
        try:
            await self._pass(
                scope, receive, send, headers=headers, max_bytes=max_bytes, too_big=too_big
            )
        finally:
            self.wide_held -= 1

    async def _pass(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        headers: Headers,
        max_bytes: int,
        too_big: JSONResponse,
    ) -> None:
        """Read the body within `max_bytes`, check it, and hand it on to the app."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # Only a `\u` escape of a surrogate can smuggle one in; most bodies skip the parse.
        if b"\\ud" in body.lower() and "json" in headers.get("content-type", ""):
            try:
                where = lone_surrogate(json.loads(body))
            except ValueError:
                where = None  # not JSON: the route says so in its own words
            if where is not None:
                refusal = _refusal(
                    422,
                    "the request is invalid",
                    ".".join(where) or None,
                    "text must be valid Unicode: it holds a lone UTF-16 surrogate "
                    "(\\ud800-\\udfff)",
                )
                await refusal(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
