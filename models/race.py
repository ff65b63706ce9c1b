"""The optimizer race: torch.optim's own optimizers descending one 2-D function side by side."""

from __future__ import annotations

import math
from typing import Annotated

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.errors import SpecError
from models.optim import Hyperparameters, TrainingConfig, optimizer_def
from models.run import field_errors
from models.surfaces import Surface, surface

ESCAPE = 1e6  # a racer this far from the origin has diverged
GRID = 81  # points per axis of the contour grid sent with a race
MAX_STEPS = 5000
MAX_RACERS = 8


class Racer(Hyperparameters):
    """One optimizer in the race: a registry name and the hyperparameters it takes."""

    name: str = Field(description="An optimizer from GET /api/optimizers.")
    label: str | None = Field(None, max_length=60, description="Its name on the plot.")

    def training(self) -> TrainingConfig:
        """Its settings as training settings; ValueError for one the optimizer does not take."""
        entry = optimizer_def(self.name)
        given = self.model_dump(include=set(Hyperparameters.model_fields), exclude_none=True)
        ignored = sorted(set(given) - set(entry.hyperparameters))
        if ignored:
            takes = ", ".join(entry.hyperparameters)
            raise ValueError(f"{self.name} does not take {ignored[0]} (it takes {takes})")
        return TrainingConfig.model_validate({"optimizer": self.name, **given})


class RaceRequest(BaseModel):
    """POST /api/race: a function, a start, the racers and how many steps."""

    model_config = ConfigDict(extra="forbid")

    function: str = Field(description="A function from GET /api/race/functions.")
    params: dict[str, float] = Field(default_factory=dict, description="The function's params.")
    start: tuple[float, float] | None = Field(None, description="(x, y); the function's default.")
    optimizers: Annotated[list[Racer], Field(min_length=1, max_length=MAX_RACERS)]
    steps: int = Field(200, ge=1, le=MAX_STEPS)

    @field_validator("start")
    @classmethod
    def _finite(cls, start: tuple[float, float] | None) -> tuple[float, float] | None:
        if start is not None and not all(math.isfinite(v) and abs(v) < ESCAPE for v in start):
            raise ValueError("start must be two finite numbers")
        return start


class Path(BaseModel):
    """One racer's descent: its points and the function's value at each."""

    label: str
    name: str
    path: list[tuple[float, float]] = Field(description="steps + 1 points, the start first.")
    loss: list[float] = Field(description="f at each point of the path.")
    stopped_at: int | None = Field(None, description="The step it diverged at, if it did.")


class SurfaceGrid(BaseModel):
    """The function on a grid over its domain, for the contour plot."""

    x: list[float]
    y: list[float]
    z: list[list[float]] = Field(description="z[i][j] = f(x[j], y[i]).")


class RaceResult(BaseModel):
    """The race: every racer's path, the surface and where its minima lie."""

    function: str
    params: dict[str, float]
    start: tuple[float, float]
    steps: int
    minima: list[tuple[float, float]]
    surface: SurfaceGrid
    racers: list[Path]


class RaceError(ValueError):
    """A race that cannot run, with the contract's error list."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def descend(
    fn: Surface,
    params: dict[str, float],
    start: tuple[float, float],
    cfg: TrainingConfig,
    steps: int,
) -> tuple[list[tuple[float, float]], list[float], int | None]:
    """Steps of one torch optimizer from `start`: the points, f at each, where it diverged."""
    theta = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
    optimizer = cfg.entry.build([theta], cfg)
    path = [start]
    loss: list[float] = []
    for step in range(1, steps + 1):
        optimizer.zero_grad(set_to_none=True)
        value = fn(theta, params)
        loss.append(float(value.detach()))
        value.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        x, y = (float(v) for v in theta.detach())
        if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > ESCAPE:
            return path, loss, step
        path.append((x, y))
    with torch.no_grad():
        loss.append(float(fn(theta, params)))
    return path, loss, None


def grid(fn: Surface, params: dict[str, float]) -> SurfaceGrid:
    """f on GRID x GRID points of the function's domain."""
    (x0, x1), (y0, y1) = fn.domain
    xs = torch.linspace(x0, x1, GRID, dtype=torch.float64)
    ys = torch.linspace(y0, y1, GRID, dtype=torch.float64)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    z = fn(torch.stack([xx, yy], dim=-1), params)
    return SurfaceGrid(x=xs.tolist(), y=ys.tolist(), z=z.tolist())


def run_race(request: RaceRequest) -> RaceResult:
    """Every racer from the same start on the same function; RaceError naming what is wrong."""
    errors: list[SpecError] = []
    try:
        fn = surface(request.function)
        params = fn.resolve(request.params)
    except ValueError as exc:
        errors.append(
            SpecError(field="function" if "unknown" in str(exc) else "params", message=str(exc))
        )
        raise RaceError(errors) from exc
    configs: list[TrainingConfig] = []
    for i, racer in enumerate(request.optimizers):
        try:
            configs.append(racer.training())
        except ValidationError as exc:
            errors.extend(field_errors(exc, prefix=f"optimizers[{i}]"))
        except ValueError as exc:
            errors.append(SpecError(field=f"optimizers[{i}]", message=str(exc)))
    if errors:
        raise RaceError(errors)
    start = request.start or fn.start
    racers = []
    for racer, cfg in zip(request.optimizers, configs, strict=True):
        path, loss, stopped = descend(fn, params, start, cfg, request.steps)
        racers.append(
            Path(
                label=racer.label or racer.name,
                name=racer.name,
                path=path,
                loss=loss,
                stopped_at=stopped,
            )
        )
    return RaceResult(
        function=fn.name,
        params=params,
        start=start,
        steps=request.steps,
        minima=fn.minima(params),
        surface=grid(fn, params),
        racers=racers,
    )
