"""The FastAPI application, built by a factory; long-lived objects live in its lifespan."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from models.run import field_errors
from server import __version__
from server.bodies import BodyGuard
from server.datalock import DataDirLock
from server.errors import ErrorList
from server.guard import RequestGuard
from server.hub import Hub
from server.manager import RunManager
from server.routers import meta, networks, probes, runs, stream
from server.settings import Settings
from server.store import Store

PREVIEWS_AT_ONCE = 2  # dataset previews made at once; more wait their turn
FRONTEND = Path(__file__).resolve().parent.parent / "frontend" / "dist"


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, with every 422 answer described as the contract's error list."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        refused = {"$ref": "#/components/schemas/ErrorList"}
        for path in schema["paths"].values():
            for operation in path.values():
                answer = operation.get("responses", {}).get("422")
                if answer is not None:
                    answer["description"] = "The request is invalid: the errors say where and why."
                    answer["content"] = {"application/json": {"schema": refused}}
        components = schema["components"]["schemas"]
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        # Pydantic lists JsonValue's (empty) definition even when each use carries a schema
        # of its own (models.spec.ParamValue); nothing refers to it.
        if "#/components/schemas/JsonValue" not in json.dumps(schema):
            components.pop("JsonValue", None)
        components.setdefault(
            "ErrorList", ErrorList.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        app.openapi_schema = schema
    return app.openapi_schema


def _orphaned_checkpoints(database: Path, checkpoints: Path) -> list[str]:
    """A note when the database is missing or empty while run checkpoints lie beside it."""
    empty = not database.exists() or database.stat().st_size == 0
    found = sorted(checkpoints.glob("*.safetensors")) if checkpoints.is_dir() else []
    if not (empty and found):
        return []
    return [
        f"the database {database} was {'missing' if not database.exists() else 'empty'} at "
        f"start-up while {len(found)} run checkpoints lie in {checkpoints}: those runs are "
        "not listed (their files are kept)"
    ]


@asynccontextmanager
async def _serving(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """The long-lived objects, from start-up to shutdown."""
    database = settings.data_dir / "layerlab.db"
    notes = _orphaned_checkpoints(database, settings.data_dir / "checkpoints")
    store = Store(database, settings.limits.max_metrics_rows)
    hub = Hub()
    manager = RunManager(settings, store, hub)
    app.state.settings, app.state.store, app.state.hub, app.state.manager = (
        settings,
        store,
        hub,
        manager,
    )
    app.state.previews = threading.BoundedSemaphore(PREVIEWS_AT_ONCE)
    app.state.notes = notes
    manager.start()
    try:
        yield
    finally:
        manager.close()
        store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A LayerLab server: REST API, stream, and the built frontend when present."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Before anything in the data directory is read or written: a second server on it
        # would otherwise take the first one's running runs for interrupted ones.
        with DataDirLock(settings.data_dir):
            async with _serving(app, settings):
                yield

    app = FastAPI(
        title="LayerLab",
        version=__version__,
        description="Build networks, train them on a PyTorch backend, watch them learn.",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [e.model_dump() for e in field_errors(exc)]  # type: ignore[arg-type]
        return JSONResponse(
            status_code=422, content={"detail": "invalid request", "errors": errors}
        )

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodyGuard, max_bytes=settings.limits.max_body_bytes)
    # Outermost: a foreign host or origin is refused before anything else runs.
    app.add_middleware(RequestGuard, hosts=settings.hosts(), origins=settings.allowed_origins)
    for router in (meta.router, networks.router, runs.router, probes.router, stream.router):
        app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    if FRONTEND.is_dir():
        app.mount("/", StaticFiles(directory=FRONTEND, html=True), name="frontend")
    return app
