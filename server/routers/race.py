"""The optimizer race: torch.optim's optimizers side by side on a 2-D function."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from models.race import RaceError, RaceRequest, RaceResult, run_race
from models.surfaces import SURFACES
from server.errors import ErrorList, refuse

router = APIRouter(prefix="/api/race", tags=["race"])


@router.get("/functions")
def functions() -> list[dict[str, Any]]:
    """The race's functions: formula, parameters, plotted domain, default start, minima."""
    return [fn.describe() for fn in SURFACES.values()]


@router.post(
    "",
    response_model=RaceResult,
    responses={422: {"model": ErrorList, "description": "Unknown function or optimizer."}},
)
def race(request: RaceRequest) -> RaceResult | JSONResponse:
    """Each optimizer's path from the same start, and the surface to draw them on."""
    # A plain def: FastAPI runs it in its thread pool, off the event loop (at most
    # 8 racers x 5,000 steps of a 2-D function: well under a second of work).
    try:
        return run_race(request)
    except RaceError as exc:
        return refuse(422, str(exc), exc.errors)
