"""Health and the registries: layers, datasets, presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from models.datasets import DATASETS, DatasetError
from models.layers import layer_catalog
from models.presets import PRESETS
from server import __version__
from server.deps import ManagerDep, SettingsDep

router = APIRouter(prefix="/api", tags=["registries"])


class Health(BaseModel):
    """The server is up: which device trains, which version answers."""

    status: str = "ok"
    device: str = Field(description="The worker's torch device.")
    version: str
    worker_restarts: int = Field(0, description="Times the training worker had to be restarted.")


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


class PresetEntry(BaseModel):
    """A lecture demo: a complete run body."""

    name: str
    title: str
    doc: str
    run: dict[str, Any]


@router.get("/health", response_model=Health)
def health(manager: ManagerDep) -> Health:
    """Whether the server is up and which device trains."""
    return Health(device=manager.device, version=__version__, worker_restarts=manager.restarts)


@router.get("/layers", response_model=list[LayerEntry])
def layers() -> list[dict[str, Any]]:
    """Every layer type: category, one-line doc, arity and params JSON Schema."""
    return layer_catalog()


@router.get("/datasets", response_model=list[DatasetEntry])
def datasets(settings: SettingsDep) -> list[DatasetEntry]:
    """Every built-in dataset: task, params schema, default shape, classes, availability."""
    out = []
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
    return out


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
