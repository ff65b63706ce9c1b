"""Dependencies: the long-lived objects the app creates in its lifespan."""

from __future__ import annotations

import threading
from typing import Annotated, cast

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from server.hub import Hub
from server.manager import RunManager
from server.settings import Settings
from server.store import Store


def get_settings(conn: HTTPConnection) -> Settings:
    """The app's settings."""
    return cast(Settings, conn.app.state.settings)


def get_store(conn: HTTPConnection) -> Store:
    """The run store."""
    return cast(Store, conn.app.state.store)


def get_manager(conn: HTTPConnection) -> RunManager:
    """The run manager."""
    return cast(RunManager, conn.app.state.manager)


def get_hub(conn: HTTPConnection) -> Hub:
    """The stream hub."""
    return cast(Hub, conn.app.state.hub)


def get_previews(conn: HTTPConnection) -> threading.BoundedSemaphore:
    """How many dataset previews may be made at once."""
    return cast(threading.BoundedSemaphore, conn.app.state.previews)


def get_uploads(conn: HTTPConnection) -> threading.BoundedSemaphore:
    """How many uploads may be read at once."""
    return cast(threading.BoundedSemaphore, conn.app.state.uploads)


SettingsDep = Annotated[Settings, Depends(get_settings)]
PreviewsDep = Annotated[threading.BoundedSemaphore, Depends(get_previews)]
UploadsDep = Annotated[threading.BoundedSemaphore, Depends(get_uploads)]
StoreDep = Annotated[Store, Depends(get_store)]
ManagerDep = Annotated[RunManager, Depends(get_manager)]
HubDep = Annotated[Hub, Depends(get_hub)]

__all__ = [
    "HubDep",
    "ManagerDep",
    "PreviewsDep",
    "Request",
    "SettingsDep",
    "StoreDep",
    "UploadsDep",
]
