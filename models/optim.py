"""Training settings, the live changes a run accepts, and the torch optimizer they describe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.optimizers import OPTIMIZERS, OptimizerDef

# Each field's bounds and words once, for the full settings and for live changes alike.
Lr = Annotated[float, Field(gt=0.0, le=10.0, description="Learning rate (step size).")]
Momentum = Annotated[
    float, Field(ge=0.0, lt=1.0, description="Momentum of sgd and rmsprop (adam uses beta1).")
]
Nesterov = Annotated[
    bool,
    Field(description="Nesterov momentum (sgd with momentum > 0; other optimizers ignore it)."),
]
WeightDecay = Annotated[
    float, Field(ge=0.0, le=1.0, description="L2 penalty; decoupled from the gradient for adamw.")
]
Beta1 = Annotated[float, Field(ge=0.0, lt=1.0, description="Adam's first-moment decay.")]
Beta2 = Annotated[float, Field(ge=0.0, lt=1.0, description="Adam's second-moment decay.")]
Alpha = Annotated[float, Field(ge=0.0, lt=1.0, description="RMSprop's squared-gradient decay.")]
Eps = Annotated[float, Field(gt=0.0, le=1.0, description="Added to denominators for stability.")]
BatchSize = Annotated[int, Field(ge=1, le=4096, description="Samples per step.")]
MaxSteps = Annotated[int, Field(ge=1, le=10_000_000, description="Training stops after this.")]
Pace = Annotated[
    float,
    Field(
        ge=0.0,
        le=100_000.0,
        description="Steps per second at most, a lesson's pace (e.g. 50); 0: full speed.",
    ),
]


def optimizer_def(name: str) -> OptimizerDef:
    """The registry entry of an optimizer, or ValueError naming the known ones."""
    entry = OPTIMIZERS.get(name)
    if entry is None:
        raise ValueError(f"unknown optimizer '{name}'; optimizers: {', '.join(OPTIMIZERS)}")
    return entry


class TrainingConfig(BaseModel):
    """How to train: optimizer, its hyperparameters, batch size, length and seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    optimizer: str = Field("adam", description="An optimizer from GET /api/optimizers.")
    lr: Lr = 0.01
    momentum: Momentum = 0.0
    nesterov: Nesterov = False
    weight_decay: WeightDecay = 0.0
    beta1: Beta1 = 0.9
    beta2: Beta2 = 0.999
    alpha: Alpha = 0.99
    eps: Eps = 1e-8
    batch_size: BatchSize = 32
    max_steps: MaxSteps = 5000
    max_steps_per_s: Pace = 0.0
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seeds weights, batch order, dropout.")

    @field_validator("optimizer")
    @classmethod
    def _known_optimizer(cls, name: str) -> str:
        optimizer_def(name)
        return name

    @model_validator(mode="after")
    def _fits_optimizer(self) -> TrainingConfig:
        reason = optimizer_def(self.optimizer).check(self)
        if reason is not None:
            raise ValueError(reason)
        return self

    @property
    def entry(self) -> OptimizerDef:
        """The optimizer's registry entry."""
        return OPTIMIZERS[self.optimizer]


class Hyperparameters(BaseModel):
    """Optimizer hyperparameters, each optional: those given change (a patch, a racer)."""

    model_config = ConfigDict(extra="forbid")

    lr: Lr | None = None
    momentum: Momentum | None = None
    nesterov: Nesterov | None = None
    weight_decay: WeightDecay | None = None
    beta1: Beta1 | None = None
    beta2: Beta2 | None = None
    alpha: Alpha | None = None
    eps: Eps | None = None


class TrainingPatch(Hyperparameters):
    """Training settings that may change while a run trains (PATCH /api/runs/{id}/training)."""

    batch_size: BatchSize | None = None
    max_steps: MaxSteps | None = None
    max_steps_per_s: Pace | None = None

    def changes(self) -> dict[str, Any]:
        """The fields given, by name."""
        return self.model_dump(exclude_none=True)


def make_optimizer(
    params: Iterable[torch.nn.Parameter], cfg: TrainingConfig
) -> torch.optim.Optimizer:
    """The torch.optim optimizer for these settings (formulas as in REFERENCE.md)."""
    return cfg.entry.build(params, cfg)


def apply_live(optimizer: torch.optim.Optimizer, cfg: TrainingConfig) -> None:
    """Write the changeable hyperparameters into a running optimizer's groups."""
    cfg.entry.apply(optimizer, cfg)


def unknown_hyperparameters() -> dict[str, list[str]]:
    """Registry entries naming fields TrainingConfig lacks (a new field belongs there too)."""
    fields = TrainingConfig.model_fields
    return {
        entry.name: missing
        for entry in OPTIMIZERS.values()
        if (missing := [h for h in entry.hyperparameters if h not in fields])
    }


# An entry reading a field that does not exist would fail only when served: fail at import.
if unknown := unknown_hyperparameters():
    raise ImportError(f"optimizer entries read settings TrainingConfig lacks: {unknown}")


def optimizer_catalog() -> list[dict[str, Any]]:
    """Every optimizer: name, doc, hyperparameters as JSON Schema, the fields changed live."""
    fields = TrainingConfig.model_json_schema()["properties"]
    return [
        {
            "name": entry.name,
            "doc": entry.doc,
            "params_schema": {
                "type": "object",
                "properties": {name: fields[name] for name in entry.hyperparameters},
            },
            "live": list(entry.live),
        }
        for entry in OPTIMIZERS.values()
    ]
