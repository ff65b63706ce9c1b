"""The contract's refusal: `{"detail", "errors": [{node, field, message}]}`, for every router."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from models.errors import SpecError


class ErrorList(BaseModel):
    """Why a request was refused: the contract's error list."""

    detail: str
    errors: list[SpecError]


def refuse(status: int, detail: str, errors: list[SpecError]) -> JSONResponse:
    """An error response carrying the contract's `errors` list."""
    return JSONResponse(
        status_code=status,
        content=ErrorList(detail=detail, errors=errors).model_dump(mode="json"),
    )
