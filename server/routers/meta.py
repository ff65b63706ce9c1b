"""Health and the registries: layers, optimizers, probes, datasets, presets."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import torch
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from models.datasets import DATASETS, DatasetError
from models.datasets.preview import load_preview
from models.datasets.uploads import UploadMeta, list_uploads
from models.datasets.uploads.definition import definition_of
from models.errors import SpecError
from models.layers import layer_catalog
from models.optim import optimizer_catalog
from models.presets import PRESETS
from models.probes.registry import Applies, probe_catalog
from server import __version__
from server.access import CallerDep
from server.deps import ManagerDep, PreviewsDep, SettingsDep
from server.errors import ErrorList, refuse
from server.roster import Member
from server.settings import Settings
from server.uploads import check_use, delete_refusal, is_upload, use_refusal

router = APIRouter(prefix="/api", tags=["registries"])

MAX_PREVIEW = 5000  # points per split
MAX_IMAGES = 64  # images per split


class Health(BaseModel):
    """The server is up: which device trains, which version answers."""

    status: str = "ok"
    device: str = Field(description="The worker's torch device.")
    version: str
    worker_restarts: int = Field(0, description="Times the training worker had to be restarted.")
    worker: Literal["starting", "ready"] = Field(
        "ready", description="starting: the training worker is not ready yet (runs wait queued)."
    )
    notes: list[str] = Field(
        default_factory=list,
        description="What the server found wrong at start-up or while serving, in words.",
    )


class LayerEntry(BaseModel):
    """One layer type of the registry, as the palette shows it."""

    type: str
    category: str
    doc: str
    min_inputs: int
    max_inputs: int | None
    trainable_by_gradient: bool
    params_schema: dict[str, Any] = Field(description="JSON Schema of the layer's params.")


class DatasetEntry(BaseModel):
    """One built-in dataset with its params' JSON Schema and default shape."""

    name: str
    task: str
    description: str
    params_schema: dict[str, Any]
    input_shape: list[int] | None = Field(description="With default params; null if unavailable.")
    n_classes: int | None
    class_names: list[str]
    available: bool = Field(description="False when its files are missing from the data directory.")
    unavailable_reason: str | None = None


class UploadFacts(BaseModel):
    """What an uploaded dataset came from, and what the caller may do with it."""

    id: str = Field(description="The upload's id: its dataset name is upload-<id>.")
    kind: Literal["csv", "images", "segmentation"]
    filename: str = Field(description="The uploaded file's name.")
    n_samples: int = Field(description="Samples in all, train and test.")
    features: list[str] | None = Field(description="A CSV's feature columns, in input order.")
    label: str | None = Field(description="A CSV's label column.")
    created_at: datetime
    deletable: bool = Field(description="Whether the caller may delete it.")


class UploadedDatasetEntry(DatasetEntry):
    """An uploaded dataset: a registry entry, and where it came from."""

    upload: UploadFacts


class OptimizerEntry(BaseModel):
    """One optimizer of the registry, as the training panel offers it."""

    name: str
    doc: str
    params_schema: dict[str, Any] = Field(
        description="JSON Schema of the training fields it reads (its hyperparameters)."
    )
    live: list[str] = Field(
        description="Training fields PATCH /api/runs/{id}/training changes while it trains."
    )


class ProbeEntry(BaseModel):
    """One probe topic of the registry: what it shows and where it applies."""

    name: str
    doc: str
    scope: Literal["node", "run"] = Field(description="node: topic `name:<node>`; run: `name`.")
    applies: Applies
    params_schema: dict[str, Any] = Field(description="JSON Schema of the options it reads.")


class LessonCard(BaseModel):
    """What a lesson's card beside the canvas says."""

    do: str = Field(description="What to do.")
    watch: str = Field(description="What to watch.")
    takeaway: str = Field(description="The one-line takeaway.")
    question: str = Field(description="The question to ask the class.")


class LessonEntry(BaseModel):
    """Which concept of the lecture a preset shows, and how."""

    concept: str
    group: str = Field(description="The part of the lecture (neural networks, CNNs).")
    order: int = Field(description="The concept's place in the lecture.")
    card: LessonCard
    panels: list[str] = Field(description="Probe topics the lesson opens.")


class PresetEntry(BaseModel):
    """A lecture demo: a complete run body (or several compared), and its lesson."""

    name: str
    title: str
    doc: str
    run: dict[str, Any] = Field(description="The run body (the first of `runs` if several).")
    runs: list[dict[str, Any]] | None = Field(
        None, description="Runs that differ in one field, started together and compared."
    )
    lesson: LessonEntry


def uploaded_entry(
    meta: UploadMeta, caller: Member | None, settings: Settings
) -> UploadedDatasetEntry:
    """An upload as GET /api/datasets lists it."""
    definition = definition_of(meta)  # not read again: it may be deleted meanwhile
    return UploadedDatasetEntry(
        name=meta.name,
        task=meta.task,
        description=meta.description,
        params_schema=definition.Params.model_json_schema(),
        input_shape=list(meta.input_shape),
        n_classes=len(meta.class_names),
        class_names=meta.class_names,
        available=True,
        upload=UploadFacts(
            id=meta.id,
            kind=meta.kind,
            filename=meta.title,
            n_samples=meta.n_samples,
            features=meta.features,
            label=meta.label,
            created_at=meta.created_at,
            deletable=delete_refusal(meta, caller, settings) is None,
        ),
    )


def uploaded_entries(settings: Settings, caller: Member | None) -> list[DatasetEntry]:
    """The uploads the caller may use, oldest first."""
    return [
        uploaded_entry(meta, caller, settings)
        for meta in list_uploads(settings.data_dir)
        if use_refusal(meta, caller, settings) is None
    ]


@router.get("/health", response_model=Health)
def health(manager: ManagerDep, request: Request) -> Health:
    """Whether the server is up and which device trains."""
    notes: list[str] = [*request.app.state.notes, *manager.problems]
    return Health(
        status="ok" if not notes else "degraded",
        notes=notes,
        device=manager.device,
        version=__version__,
        worker_restarts=manager.restarts,
        worker="ready" if manager.worker_ready else "starting",
    )


@router.get("/layers", response_model=list[LayerEntry])
def layers() -> list[dict[str, Any]]:
    """Every layer type: category, one-line doc, arity and params JSON Schema."""
    return layer_catalog()


@router.get("/optimizers", response_model=list[OptimizerEntry])
def optimizers() -> list[OptimizerEntry]:
    """Every optimizer: one-line doc, hyperparameters as JSON Schema, live-changeable fields."""
    return [OptimizerEntry.model_validate(entry) for entry in optimizer_catalog()]


@router.get("/probes", response_model=list[ProbeEntry])
def probes() -> list[ProbeEntry]:
    """Every probe topic: one-line doc, node or run, where it applies, its options."""
    return [ProbeEntry.model_validate(entry) for entry in probe_catalog()]


@router.get("/datasets", response_model=list[DatasetEntry | UploadedDatasetEntry])
def datasets(settings: SettingsDep, caller: CallerDep) -> list[DatasetEntry]:
    """Every built-in dataset (task, params schema, default shape, classes, availability),
    then the uploaded ones the caller may use."""
    out: list[DatasetEntry] = []
    for name, definition in DATASETS.items():
        entry: dict[str, Any] = {
            "name": name,
            "task": definition.task,
            "description": definition.description,
            "params_schema": definition.Params.model_json_schema(),
        }
        try:
            info = definition.describe(definition.Params(), settings.data_dir)
        except DatasetError as exc:
            entry |= {
                "input_shape": None,
                "n_classes": None,
                "class_names": [],
                "available": False,
                "unavailable_reason": exc.message,
            }
        else:
            entry |= {
                "input_shape": list(info.input_shape),
                "n_classes": info.n_classes,
                "class_names": info.class_names,
                "available": True,
            }
        out.append(DatasetEntry.model_validate(entry))
    return out + uploaded_entries(settings, caller)


class PreviewRequest(BaseModel):
    """Which samples of a dataset to show."""

    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] = Field(default_factory=dict, description="The dataset's params.")
    n: int = Field(500, ge=1, le=MAX_PREVIEW, description="Samples per split at most.")


class DatasetPreview(BaseModel):
    """Samples of a dataset for display: points for 2-D sets, images otherwise."""

    name: str
    task: str
    input_shape: list[int]
    class_names: list[str]
    train_x: list[Any] = Field(description="Inputs: [x, y] points, or [C, H, W] images.")
    train_y: list[Any] = Field(description="Targets: class, value, or [H, W] label map.")
    test_x: list[Any]
    test_y: list[Any]
    sampled: bool = Field(
        False,
        description="True when a large set was drawn again with only the samples shown: "
        "samples of the same kind, not training's very first ones.",
    )


@router.post(
    "/datasets/{name}/preview",
    response_model=DatasetPreview,
    responses={
        404: {"model": ErrorList, "description": "No dataset of that name."},
        422: {"model": ErrorList, "description": "Bad params, or the dataset's files are missing."},
    },
)
def preview(
    name: str,
    request: PreviewRequest,
    settings: SettingsDep,
    previews: PreviewsDep,
    caller: CallerDep,
) -> DatasetPreview | JSONResponse:
    """The first samples of each split, as the dataset's params make them (points or images)."""
    if name not in DATASETS and not is_upload(name, settings):
        raise HTTPException(404, f"no dataset named '{name}'; known: {', '.join(DATASETS)}")
    check_use(name, caller, settings)
    # Runs in the server's thread pool, never on the event loop; a few at a time, so that
    # many previews at once queue instead of each holding its images in memory.
    with previews:
        try:
            shown = min(request.n, MAX_IMAGES)  # only image sets are ever large
            data, sampled = load_preview(name, request.params, shown, settings.data_dir)
        except DatasetError as exc:
            field = "name" if exc.field == "name" else f"params.{exc.field}"
            error = SpecError(field=field, message=exc.message)
            return refuse(422, f"{field}: {exc.message}", [error])
    n = request.n if data.info.input_shape == (2,) else min(request.n, MAX_IMAGES)

    def rounded(t: torch.Tensor) -> list[Any]:
        values: list[Any] = (
            (t.float() * 1000).round().div(1000).tolist() if t.is_floating_point() else t.tolist()
        )
        return values

    return DatasetPreview(
        name=name,
        task=data.info.task,
        input_shape=list(data.info.input_shape),
        class_names=data.info.class_names,
        train_x=rounded(data.x_train[:n]),
        train_y=rounded(data.y_train[:n]),
        test_x=rounded(data.x_test[:n]),
        test_y=rounded(data.y_test[:n]),
        sampled=sampled,
    )


@router.get("/presets", response_model=list[PresetEntry])
def presets() -> list[PresetEntry]:
    """The lecture demos."""
    return [PresetEntry(name=name, **preset) for name, preset in PRESETS.items()]


@router.get(
    "/presets/{name}",
    response_model=PresetEntry,
    responses={404: {"description": "No such preset."}},
)
def preset(name: str) -> PresetEntry:
    """One lecture demo."""
    if name not in PRESETS:
        raise HTTPException(404, f"no preset named '{name}'; see GET /api/presets")
    return PresetEntry(name=name, **PRESETS[name])
