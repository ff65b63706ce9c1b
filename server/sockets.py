"""A way to drop a websocket at once, for viewers that stop reading.

A viewer that never reads fills its socket: the server's sends then wait forever, and
neither a close frame nor a graceful close (which flushes first) can reach it. Only
aborting the transport ends the connection. ASGI does not expose the transport, so
this middleware, outermost, takes it from the server's own `send` where the server
offers it (uvicorn does) and leaves an abort function in the scope.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

ABORT: Final = "layerlab.abort"


class TransportHandle:
    """ASGI middleware: `scope[ABORT]` aborts a websocket's connection, where possible."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, with the abort function in a websocket's scope."""
        if scope["type"] == "websocket":
            protocol = getattr(send, "__self__", None)  # the server's connection object
            transport = getattr(protocol, "transport", None)
            if isinstance(transport, asyncio.WriteTransport):
                scope[ABORT] = transport.abort
        await self.app(scope, receive, send)


def abort(scope: Scope) -> bool:
    """Drop the connection of this websocket now; False when the server gave no way to."""
    drop: Callable[[], None] | None = scope.get(ABORT)
    if drop is None:
        return False
    drop()
    return True
