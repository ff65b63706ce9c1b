"""Validation of a network spec as the user edits it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from models.analysis import ValidationReport
from server.deps import SettingsDep
from server.validation import validate_with_dataset

router = APIRouter(prefix="/api/networks", tags=["networks"])


@router.post("/validate", response_model=ValidationReport)
def validate(
    settings: SettingsDep,
    body: Annotated[
        dict[str, Any],
        Body(
            description='A network spec, or {"network": spec, "dataset": {"name", "params"}} '
            "to take the input shape from a dataset."
        ),
    ],
) -> ValidationReport:
    """Each node's shape, parameter count and receptive field, and every problem; trains nothing."""
    if "network" in body and "nodes" not in body:
        dataset = body.get("dataset")
        return validate_with_dataset(
            body["network"], dataset if isinstance(dataset, dict) else None, settings
        )
    return validate_with_dataset(body, None, settings)
