"""Who may call: a Host allow-list (against DNS rebinding) and an Origin check on everything
that changes state or opens a stream (against cross-site pages driving a local server).

A page of the server itself is same-origin and passes; scripts and curl send no Origin and
pass; a page on another site (or a sandboxed one, Origin `null`) is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_HOST = "*"


def hostname(host_header: str) -> str:
    """The host part of a Host header ('[::1]:8000' -> '[::1]', 'a.b:80' -> 'a.b'), lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RequestGuard:
    """ASGI middleware refusing foreign hosts (400) and foreign origins (403, or close 4403)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str], origins: Iterable[str]) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.origins = {o.lower().rstrip("/") for o in origins}

    def host_ok(self, host: str) -> bool:
        """Whether the server answers to this Host header."""
        return ANY_HOST in self.hosts or hostname(host) in self.hosts

    def origin_ok(self, origin: str, host: str) -> bool:
        """Whether a page of this origin may change state: the server's own pages, or listed."""
        origin = origin.lower().rstrip("/")
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        return (
            parts.scheme in ("http", "https")
            and parts.netloc == host.lower()
            and self.host_ok(parts.netloc)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.host_ok(host):
            reason = (
                f"this server does not answer to the host '{host}'; "
                "add it to LAYERLAB_ALLOWED_HOSTS to serve under that name"
            )
            await self._refuse(scope, receive, send, 400, reason)
            return
        origin = headers.get("origin")
        changes = scope["type"] == "websocket" or scope["method"] not in SAFE_METHODS
        if changes and origin is not None and not self.origin_ok(origin, host):
            reason = (
                f"requests from pages of '{origin}' may not control this server; "
                "add the origin to LAYERLAB_ALLOWED_ORIGINS to allow them"
            )
            await self._refuse(scope, receive, send, 403, reason)
            return
        await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, reason: str
    ) -> None:
        """Answer a refused request (the contract's error shape) or refuse a websocket."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4000 + status, "reason": reason[:120]})
            return
        response = JSONResponse({"detail": reason, "errors": []}, status_code=status)
        await response(scope, receive, send)
