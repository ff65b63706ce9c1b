"""The addresses students can reach this server at: what the teacher's join link shows."""

from __future__ import annotations

import contextlib
import ipaddress
import socket

from server.settings import LOCAL_HOSTS, WILDCARD_HOSTS, Settings


def _own_ipv4() -> list[str]:
    """This machine's IPv4 addresses other than loopback, the primary one first."""
    found: list[str] = []
    # Connecting a UDP socket sends nothing: it only asks the kernel for the route's source.
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("10.255.255.255", 1))
        found.append(sock.getsockname()[0])
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(info[4][0]))
    usable = []
    for text in dict.fromkeys(found):
        with contextlib.suppress(ValueError):
            address = ipaddress.ip_address(text)
            if not (address.is_loopback or address.is_unspecified or address.is_link_local):
                usable.append(text)
    return usable


def join_bases(settings: Settings) -> list[str]:
    """Base URLs (scheme://host:port) other machines may open; none on a loopback-only server."""
    host = settings.host.strip().lower()
    if host in LOCAL_HOSTS:
        return []
    if host in WILDCARD_HOSTS:
        return [f"http://{name}:{settings.port}" for name in _own_ipv4()]
    named = f"[{host}]" if ":" in host else host
    return [f"http://{named}:{settings.port}"]
