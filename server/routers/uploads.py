"""Uploaded datasets: POST /api/datasets (a CSV or a zip, multipart), DELETE /api/datasets/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile
from pydantic import ValidationError

from models.datasets.base import Task
from models.datasets.uploads import (
    UploadError,
    delete_upload,
    parse_upload,
    read_meta,
    save_upload,
)
from models.datasets.uploads.parse import UploadOptions
from models.errors import SpecError
from models.run import field_errors
from server.access import GUARDED, CallerDep, RosterDep
from server.deps import SettingsDep, StoreDep, UploadsDep
from server.errors import ErrorList, refuse
from server.routers.meta import UploadedDatasetEntry, uploaded_entry
from server.uploads import delete_refusal, owner_for_upload, runs_using, upload_limits

router = APIRouter(prefix="/api/datasets", tags=["datasets"], responses=GUARDED)

QUEUE_S = 10.0  # how long an upload waits for its turn before it is asked to come back
RETRY_S = 5
BUSY = "the server is reading other uploads: send it again in a few seconds"

LAYOUTS = """\
Send one file as `file` (multipart/form-data), with the fields that apply:

- **A CSV** (`.csv`, UTF-8, a header row naming the columns): `label` names the label
  column, `features` the feature columns (repeat the field, or separate names by commas;
  default: every other column). Feature cells must be finite numbers. `task` is inferred
  (text labels, or at most 20 distinct whole numbers: classification, classes named by
  the label values; other numbers: regression) unless given.
- **A zip of class folders**: `CLASS/IMAGE.png` (or `.jpg`), one folder per class (a folder
  zipped whole, `pictures/CLASS/IMAGE.png`, is fine). Each image's centre square is resized
  to `size` x `size`, grey (`channels` 1) or RGB (3).
- **A zip for segmentation**: `images/NAME.png` (or `.jpg`) and `masks/NAME.png`, the mask
  the image's size, grey or palette, each pixel's value its class index (0, 1, 2, ...).
  Taken as segmentation when the zip holds just those two folders, or with `task`
  segmentation.

The dataset is stored under an id and named `upload-<id>` in runs, previews and the list;
its params are `train_fraction` and `seed` (and `standardize` for a CSV). Bad files get a
422 that says which row, column or file is wrong; nothing is kept of them.
"""


def _names(features: list[str] | None) -> list[str] | None:
    """Feature names from repeated fields or comma-separated ones."""
    if not features:
        return None
    names = [name.strip() for field in features for name in field.split(",")]
    return [name for name in names if name] or None


@router.post(
    "",
    status_code=201,
    response_model=UploadedDatasetEntry,
    description=LAYOUTS,
    responses={
        409: {"model": ErrorList, "description": "The caller's class has ended."},
        503: {"model": ErrorList, "description": "Other uploads are being read: try again."},
        413: {"model": ErrorList, "description": "The request is larger than any upload."},
        422: {"model": ErrorList, "description": "The file cannot become a dataset: why, where."},
    },
)
def upload_dataset(
    *,
    file: Annotated[UploadFile, File(description="A CSV, or a zip of images.")],
    settings: SettingsDep,
    caller: CallerDep,
    roster: RosterDep,
    at_once: UploadsDep,
    label: Annotated[str | None, Form(max_length=200, description="CSV: the label column.")] = None,
    features: Annotated[
        list[str] | None, Form(description="CSV: feature columns (default: all others).")
    ] = None,
    task: Annotated[Task | None, Form(description="Default: inferred.")] = None,
    size: Annotated[int, Form(ge=8, le=128, description="Zip: side of the resized images.")] = 32,
    channels: Annotated[
        int, Form(description="Zip: 1 grey, 3 RGB.", json_schema_extra={"enum": [1, 3]})
    ] = 3,
) -> Any:
    """Upload a dataset: a CSV, a zip of class folders, or a zip of images and masks."""
    # A plain def: FastAPI runs it in its thread pool, so decoding never blocks the loop;
    # a few at a time, so that many uploads at once queue instead of each holding its arrays.
    owner = owner_for_upload(caller, roster, settings)
    filename = file.filename or "upload"
    fields = {"label": label, "features": _names(features), "task": task, "size": size}
    try:
        options = UploadOptions.model_validate({**fields, "channels": channels})
    except ValidationError as exc:
        return refuse(422, "invalid request", field_errors(exc))
    # A waiting upload holds one of the server's threads: wait a little, then say when to
    # come back, so that many uploads at once cannot hold every thread the other routes use.
    if not at_once.acquire(timeout=QUEUE_S):
        busy = refuse(503, BUSY, [SpecError(field="file", message=BUSY)])
        busy.headers["Retry-After"] = str(RETRY_S)
        return busy
    try:
        parsed = parse_upload(file.file, filename, options, upload_limits(settings.limits))
        limits = settings.limits
        meta = save_upload(
            settings.data_dir,
            parsed,
            filename,
            owner,
            max_uploads=limits.max_uploads,
            max_class_uploads=limits.max_class_uploads,
        )
    except UploadError as exc:
        error = SpecError(field=exc.field, message=f"{filename}: {exc.message}")
        return refuse(422, error.message, [error])
    finally:
        at_once.release()
    return uploaded_entry(meta, caller, settings)


@router.delete(
    "/{dataset_id}",
    status_code=204,
    responses={
        404: {"model": ErrorList, "description": "No uploaded dataset with that id."},
        409: {"model": ErrorList, "description": "Runs not yet finished still use it."},
    },
)
def delete_dataset(
    dataset_id: str, settings: SettingsDep, store: StoreDep, caller: CallerDep
) -> Response:
    """Delete an uploaded dataset (its id, or its name upload-<id>); finished runs keep theirs."""
    dataset_id = dataset_id.removeprefix("upload-")
    meta = read_meta(settings.data_dir, dataset_id)
    if meta is None:
        raise HTTPException(404, f"no uploaded dataset with id {dataset_id!r}")
    refused = delete_refusal(meta, caller, settings)
    if refused is not None:
        raise HTTPException(*refused)
    users = runs_using(store, meta.name)
    if users:
        listed = ", ".join(f"{name!r} ({status})" for _, name, status in users[:5])
        more = f" and {len(users) - 5} more" if len(users) > 5 else ""
        message = (
            f"runs that have not finished still use {meta.name}: {listed}{more}. Stop or "
            "delete them first (finished runs keep their curves without it)."
        )
        return refuse(409, message, [SpecError(field="dataset", message=message)])
    delete_upload(settings.data_dir, dataset_id)
    return Response(status_code=204)
