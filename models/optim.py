"""Training settings and the PyTorch optimizer they describe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator

OptimizerName = Literal["sgd", "rmsprop", "adam", "adamw"]

# Settings a running trainer can change between steps.
LIVE_FIELDS = ("lr", "momentum", "nesterov", "weight_decay", "batch_size", "max_steps")


class TrainingConfig(BaseModel):
    """How to train: optimizer, its hyperparameters, batch size, length and seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    optimizer: OptimizerName = Field("adam", description="sgd, rmsprop, adam or adamw.")
    lr: float = Field(0.01, gt=0.0, le=10.0, description="Learning rate (step size).")
    momentum: float = Field(
        0.0, ge=0.0, lt=1.0, description="Momentum of sgd and rmsprop (adam uses beta1)."
    )
    nesterov: bool = Field(
        False, description="Nesterov momentum (sgd with momentum > 0; other optimizers ignore it)."
    )
    weight_decay: float = Field(
        0.0, ge=0.0, le=1.0, description="L2 penalty; decoupled from the gradient for adamw."
    )
    beta1: float = Field(0.9, ge=0.0, lt=1.0, description="Adam's first-moment decay.")
    beta2: float = Field(0.999, ge=0.0, lt=1.0, description="Adam's second-moment decay.")
    alpha: float = Field(0.99, ge=0.0, lt=1.0, description="RMSprop's squared-gradient decay.")
    eps: float = Field(1e-8, gt=0.0, le=1.0, description="Added to denominators for stability.")
    batch_size: int = Field(32, ge=1, le=4096, description="Samples per step.")
    max_steps: int = Field(5000, ge=1, le=10_000_000, description="Training stops after this.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seeds weights, batch order, dropout.")

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self) -> TrainingConfig:
        if self.nesterov and self.optimizer == "sgd" and self.momentum <= 0:
            raise ValueError("nesterov needs momentum > 0")
        return self


def make_optimizer(
    params: Iterable[torch.nn.Parameter], cfg: TrainingConfig
) -> torch.optim.Optimizer:
    """The torch.optim optimizer for these settings (formulas as in REFERENCE.md)."""
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=cfg.lr,
            momentum=cfg.momentum,
            nesterov=cfg.nesterov,
            weight_decay=cfg.weight_decay,
        )
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr=cfg.lr,
            alpha=cfg.alpha,
            eps=cfg.eps,
            momentum=cfg.momentum,
            weight_decay=cfg.weight_decay,
        )
    kind = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
    return kind(
        params, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, weight_decay=cfg.weight_decay
    )


def apply_live(optimizer: torch.optim.Optimizer, cfg: TrainingConfig) -> None:
    """Write the changeable hyperparameters into a running optimizer's groups."""
    for group in optimizer.param_groups:
        group["lr"] = cfg.lr
        group["weight_decay"] = cfg.weight_decay
        if "momentum" in group:
            group["momentum"] = cfg.momentum
        if "nesterov" in group:
            group["nesterov"] = cfg.nesterov
        if "betas" in group:
            group["betas"] = (cfg.beta1, cfg.beta2)
        if "alpha" in group:
            group["alpha"] = cfg.alpha
        group["eps"] = cfg.eps
