"""A layer written as Python source: what a `pytorch` export prints for each node."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LayerCode:
    """A module's constructor call, the statements that start its weights, what it needs.

    `init` lines name the module as `{m}`; `needs` are classes or functions defined in
    LayerLab whose source the exported file must hold (PyTorch has no module for them).
    """

    expr: str
    init: tuple[str, ...] = ()
    needs: tuple[Any, ...] = ()


def compact(v: int | tuple[int, int]) -> int | tuple[int, int]:
    """A kernel, stride or padding as the reader would write it: one int when square."""
    if isinstance(v, int):
        return v
    return v[0] if v[0] == v[1] else (v[0], v[1])


def call(fn: str, *args: Any, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
    """`fn(args, key=value)` in source, leaving out keywords equal to their default."""
    skip = defaults or {}
    parts = [repr(a) for a in args]
    parts += [f"{k}={v!r}" for k, v in kwargs.items() if not (k in skip and skip[k] == v)]
    return f"{fn}({', '.join(parts)})"
