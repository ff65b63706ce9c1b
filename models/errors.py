"""Problems found in user input, as the contract reports them."""

from __future__ import annotations

from collections.abc import Sequence

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
