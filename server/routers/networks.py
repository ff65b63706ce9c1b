"""Validation of a network spec as the user edits it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from models.analysis import ValidationReport
from server.access import RosterDep, get_caller
from server.deps import Request, SettingsDep
from server.uploads import check_use, is_upload
from server.validation import validate_with_dataset

router = APIRouter(prefix="/api/networks", tags=["networks"])


@router.post(
    "/validate",
    response_model=ValidationReport,
    responses={
        401: {"description": "The dataset is an upload of a class and the token is missing."},
        403: {"description": "The dataset is an upload the caller may not use."},
    },
)
def validate(
    settings: SettingsDep,
    request: Request,
    roster: RosterDep,
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
        name = dataset.get("name") if isinstance(dataset, dict) else None
        # An upload's shape is its owners' to see; a token is read only then, so that
        # checking a network against a built-in set needs none, as it always has.
        if isinstance(name, str) and is_upload(name, settings):
            check_use(name, get_caller(request, roster), settings)
        return validate_with_dataset(
            body["network"], dataset if isinstance(dataset, dict) else None, settings
        )
    return validate_with_dataset(body, None, settings)
