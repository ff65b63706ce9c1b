"""The optimizer race: torch.optim's optimizers side by side on a 2-D function."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from models.race import RaceError, RaceRequest, RaceResult, run_race
from models.surfaces import SURFACES
from server.errors import ErrorList, refuse

router = APIRouter(prefix="/api/race", tags=["race"])


class RaceFunction(BaseModel):
    """One function of the race, as the page draws it."""

    name: str
    doc: str
    formula: str
    params_schema: dict[str, Any] = Field(description="Its parameters, as JSON Schema.")
    domain: list[list[float]] = Field(description="[[x_min, x_max], [y_min, y_max]] plotted.")
    start: list[float] = Field(description="The default start (x, y).")
    minima: list[list[float]] = Field(description="Where its minima lie (for its defaults).")


@router.get("/functions", response_model=list[RaceFunction])
def functions() -> list[RaceFunction]:
    """The race's functions: formula, parameters, plotted domain, default start, minima."""
    return [RaceFunction.model_validate(fn.describe()) for fn in SURFACES.values()]


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
