"""Dependencies: the long-lived objects the app creates in its lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from server.hub import Hub
from server.manager import RunManager
from server.settings import Settings
from server.store import Store


def get_settings(conn: HTTPConnection) -> Settings:
    """The app's settings."""
    settings: Settings = conn.app.state.settings
    return settings


def get_store(conn: HTTPConnection) -> Store:
    """The run store."""
    store: Store = conn.app.state.store
    return store


def get_manager(conn: HTTPConnection) -> RunManager:
    """The run manager."""
    manager: RunManager = conn.app.state.manager
    return manager


def get_hub(conn: HTTPConnection) -> Hub:
    """The stream hub."""
    hub: Hub = conn.app.state.hub
    return hub


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
ManagerDep = Annotated[RunManager, Depends(get_manager)]
HubDep = Annotated[Hub, Depends(get_hub)]

__all__ = ["HubDep", "ManagerDep", "Request", "SettingsDep", "StoreDep"]
