"""Problems found in user input, as the contract reports them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SpecError(BaseModel):
    """One problem in a network spec: which node, which field, what is wrong."""

    model_config = ConfigDict(frozen=True)

    node: str | None = Field(None, description="Id of the node concerned; null for the whole spec.")
    field: str | None = Field(None, description="The node's field or param concerned, if any.")
    message: str = Field(description="What is wrong, in plain words.")


class ShapeError(Exception):
    """Raised by a layer's shape rule; the caller attaches the node id."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidSpecError(ValueError):
    """Raised where a usable network is required but the spec has problems."""

    def __init__(self, errors: Sequence[SpecError]) -> None:
        self.errors = list(errors)
        lines = "; ".join(
            f"{e.node or 'spec'}{'.' + e.field if e.field else ''}: {e.message}"
            for e in self.errors
        )
        super().__init__(f"invalid network: {lines}")


_KINDS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "missing": "is required",
}


def requirement(error: Any) -> str | None:
    """What a value must be, in words, for one pydantic error (None: no plain words for it)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "less_than_equal": ("at most", "le"),
        "greater_than": ("more than", "gt"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    if kind in ("too_long", "too_short"):
        most = "at most" if kind == "too_long" else "at least"
        count = ctx.get("max_length" if kind == "too_long" else "min_length")
        return f"must have {most} {count} items"
    return _KINDS.get(kind)


def plain_message(error: Any, name: str | None = None) -> str:
    """One pydantic error as a student reads it: "out_features must be at least 1 (got -3)"."""
    if error["type"] == "extra_forbidden":
        return f"{name} is not a known field" if name else "unknown field"
    phrase = requirement(error)
    got = ""
    if error["type"] != "missing" and "input" in error:
        got = f" (got {repr(error['input'])[:60]})"
    if phrase is None:
        return f"{error['msg']}{got}"
    return f"{name} {phrase}{got}" if name else f"{phrase}{got}"
