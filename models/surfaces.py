"""Two-dimensional test functions for the optimizer race (formulas in REFERENCE.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

Point = tuple[float, float]
Params = Mapping[str, float]


@dataclass(frozen=True)
class FunctionParam:
    """One parameter of a test function: its default and bounds."""

    default: float
    low: float
    high: float
    doc: str


@dataclass(frozen=True)
class Surface:
    """A test function of (x, y): its formula, where it is plotted, where it starts and ends."""

    name: str
    doc: str
    formula: str
    fn: Callable[[torch.Tensor, torch.Tensor, Params], torch.Tensor]
    domain: tuple[Point, Point]  # ((x_min, x_max), (y_min, y_max))
    start: Point
    minima: Callable[[Params], list[Point]]
    params: Mapping[str, FunctionParam] = field(default_factory=dict)

    def resolve(self, given: Mapping[str, float]) -> dict[str, float]:
        """The parameters with defaults filled in; ValueError naming a bad one."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ValueError(
                f"{self.name} has no parameter {unknown[0]!r} (its parameters: {known})"
            )
        out = {}
        for name, spec in self.params.items():
            value = float(given.get(name, spec.default))
            if not spec.low <= value <= spec.high:
                raise ValueError(
                    f"{name} must be between {spec.low:g} and {spec.high:g} (got {value:g})"
                )
            out[name] = value
        return out

    def __call__(self, xy: torch.Tensor, params: Params) -> torch.Tensor:
        """f at a point (a tensor of 2) or on points (a tensor [..., 2])."""
        return self.fn(xy[..., 0], xy[..., 1], params)

    def describe(self) -> dict[str, Any]:
        """The page's view: formula, parameters as JSON Schema, domain, start, minima."""
        defaults = {name: p.default for name, p in self.params.items()}
        return {
            "name": self.name,
            "doc": self.doc,
            "formula": self.formula,
            "params_schema": {
                "type": "object",
                "properties": {
                    name: {
                        "type": "number",
                        "default": p.default,
                        "minimum": p.low,
                        "maximum": p.high,
                        "description": p.doc,
                    }
                    for name, p in self.params.items()
                },
            },
            "domain": [list(self.domain[0]), list(self.domain[1])],
            "start": list(self.start),
            "minima": [list(m) for m in self.minima(defaults)],
        }


def _quadratic(x: torch.Tensor, y: torch.Tensor, p: Params) -> torch.Tensor:
    return 0.5 * (x**2 + p["condition"] * y**2)


def _rosenbrock(x: torch.Tensor, y: torch.Tensor, p: Params) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _beale(x: torch.Tensor, y: torch.Tensor, p: Params) -> torch.Tensor:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _saddle(x: torch.Tensor, y: torch.Tensor, p: Params) -> torch.Tensor:
    return x**2 - y**2


def _himmelblau(x: torch.Tensor, y: torch.Tensor, p: Params) -> torch.Tensor:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _booth(x: torch.Tensor, y: torch.Tensor, p: Params) -> torch.Tensor:
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface(
            "quadratic",
            "An ill-conditioned bowl: one direction is `condition` times steeper than the other.",
            "f = (x² + κ·y²) / 2",
            _quadratic,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (-1.8, 1.2),
            lambda p: [(0.0, 0.0)],
            {"condition": FunctionParam(10.0, 1.0, 1000.0, "κ, the ratio of the curvatures.")},
        ),
        Surface(
            "rosenbrock",
            "A curved, flat-bottomed valley: easy to reach, slow to follow to its end.",
            "f = (1 − x)² + 100·(y − x²)²",
            _rosenbrock,
            ((-2.0, 2.0), (-1.0, 3.0)),
            (-1.5, 2.0),
            lambda p: [(1.0, 1.0)],
        ),
        Surface(
            "beale",
            "Sharp ridges and a flat plateau around one minimum.",
            "f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            _beale,
            ((-4.5, 4.5), (-4.5, 4.5)),
            (1.0, 1.4),
            lambda p: [(3.0, 0.5)],
        ),
        Surface(
            "saddle",
            "A saddle point at the origin: plain gradient descent lingers there.",
            "f = x² − y²",
            _saddle,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (-1.5, 0.01),
            lambda p: [],
        ),
        Surface(
            "himmelblau",
            "Four minima of the same depth: where an optimizer ends depends on its path.",
            "f = (x² + y − 11)² + (x + y² − 7)²",
            _himmelblau,
            ((-5.0, 5.0), (-5.0, 5.0)),
            (0.0, 0.0),
            lambda p: [
                (3.0, 2.0),
                (-2.805118, 3.131312),
                (-3.779310, -3.283186),
                (3.584428, -1.848126),
            ],
        ),
        Surface(
            "booth",
            "A plain bowl, tilted: every optimizer should find its minimum.",
            "f = (x + 2y − 7)² + (2x + y − 5)²",
            _booth,
            ((-10.0, 10.0), (-10.0, 10.0)),
            (-6.0, 6.0),
            lambda p: [(1.0, 3.0)],
        ),
    )
}


def surface(name: str) -> Surface:
    """A test function by name, or ValueError naming the known ones."""
    found = SURFACES.get(name)
    if found is None:
        raise ValueError(f"unknown function '{name}'; functions: {', '.join(SURFACES)}")
    return found
