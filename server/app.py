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
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount, Route
from starlette.types import Scope

from models.run import field_errors
from server import __version__
from server.bodies import BodyGuard
from server.class_views import GridCache
from server.datalock import DataDirLock
from server.errors import ErrorList
from server.guard import RequestGuard
from server.hub import Hub
from server.manager import RunManager
from server.ratelimit import Attempts
from server.roster import Roster, RosterError
from server.routers import (
    classes,
    exports,
    meta,
    networks,
    probes,
    race,
    runs,
    stream,
    uploads,
)
from server.settings import Limits, Settings
from server.sockets import TransportHandle
from server.store import Store
from server.uploads import FORM_BYTES

PREVIEWS_AT_ONCE = 2  # dataset previews made at once; more wait their turn
UPLOADS_AT_ONCE = 2  # uploads read and stored at once; more wait their turn
FRONTEND = Path(__file__).resolve().parent.parent / "frontend" / "dist"


def _bound_training(components: dict[str, Any], limits: Limits) -> None:
    """Give the training schemas this server's own bounds on batch size and steps."""
    bounds = {"batch_size": limits.max_batch_size, "max_steps": limits.max_steps}
    for name in ("TrainingConfig", "TrainingPatch"):
        properties = components.get(name, {}).get("properties", {})
        for field, bound in bounds.items():
            prop = properties.get(field, {})
            for option in [prop, *prop.get("anyOf", [])]:
                if "maximum" in option:
                    option["maximum"] = min(option["maximum"], bound)


def _openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI schema: every refusal is the contract's error list, bounds are this server's."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        refused = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorList"}}}
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                answer = responses.get("422")
                if answer is not None:
                    answer["description"] = "The request is invalid: the errors say where and why."
                body = operation.get("requestBody", {}).get("content", {})
                form = body.get("multipart/form-data", {}).get("schema", {}).get("$ref")
                if form is not None:  # FastAPI names a form's model itself, without words
                    component = schema["components"]["schemas"][form.rsplit("/", 1)[-1]]
                    component.setdefault("description", f"The form: {operation['summary']}.")
                if "requestBody" in operation:
                    bad = "a multipart form" if form is not None else "JSON"
                    responses.setdefault("400", {"description": f"The body is not {bad}."})
                    responses.setdefault("413", {"description": "The body is too large."})
                for code, answer in responses.items():
                    if code.startswith("4"):  # every refusal carries the error list
                        answer["content"] = refused
        _bound_training(schema["components"]["schemas"], settings.limits)
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
    app.state.roster = Roster(store, settings.limits.max_classes, settings.limits.max_members)
    app.state.grids = GridCache()
    app.state.join_attempts = Attempts(settings.limits.max_join_failures)
    app.state.previews = threading.BoundedSemaphore(PREVIEWS_AT_ONCE)
    app.state.uploads = threading.BoundedSemaphore(UPLOADS_AT_ONCE)
    app.state.notes = notes
    manager.start()
    try:
        yield
    finally:
        manager.close()
        store.close()


def _allowed(app: FastAPI, scope: Scope) -> str:
    """The methods of every route at this path (a router's 405 names only the first's)."""
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.matches(scope)[0] != Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


class FrontendMount(Mount):
    """The built page at /, for every path but the API's.

    A mount at / matches every path, so without this a wrong method on an API path
    would reach the static files (405 "GET, HEAD") instead of the API's own 405.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """No match for /api/ paths; the mount's own rule for the rest."""
        if str(scope.get("path", "")).startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


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

    @app.exception_handler(RosterError)
    async def roster_refused(request: Request, exc: RosterError) -> JSONResponse:
        # A class action that cannot be done (no such class, ended, full) is a refusal too.
        body = ErrorList(detail=str(exc), errors=[]).model_dump(mode="json")
        return JSONResponse(status_code=exc.status, content=body)

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Every refusal in the contract's shape, a plain 404 or 405 included.
        body = ErrorList(detail=str(exc.detail), errors=[]).model_dump(mode="json")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed(app, request.scope)
        return JSONResponse(status_code=exc.status_code, content=body, headers=headers)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    upload_bytes = settings.limits.max_upload_bytes + FORM_BYTES
    app.add_middleware(
        BodyGuard, max_bytes=settings.limits.max_body_bytes, wide={"/api/datasets": upload_bytes}
    )
    # Outermost: a foreign host or origin is refused before anything else runs.
    app.add_middleware(RequestGuard, hosts=settings.hosts(), origins=settings.allowed_origins)
    # Around everything, so that it sees the server's own send (see server.sockets).
    app.add_middleware(TransportHandle)
    for router in (
        meta.router,
        networks.router,
        runs.router,
        exports.router,
        uploads.router,
        classes.router,
        probes.router,
        race.router,
        stream.router,
    ):
        app.include_router(router)
    app.openapi = lambda: _openapi(app, settings)  # type: ignore[method-assign]
    if FRONTEND.is_dir():
        app.router.routes.append(
            FrontendMount("/", app=StaticFiles(directory=FRONTEND, html=True), name="frontend")
        )
    return app
