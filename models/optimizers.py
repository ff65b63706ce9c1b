"""The optimizer registry: one entry per optimizer, feeding training, validation and the page.

Each entry names the `TrainingConfig` fields it reads (its hyperparameters) and maps
them to the keyword arguments of its `torch.optim` class; the same mapping writes
live changes into a running optimizer's parameter groups. Adding an optimizer is
adding an entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from models.optim import TrainingConfig

Options = dict[str, Any]

# Training fields that change live whatever the optimizer.
COMMON_LIVE = ("batch_size", "max_steps", "max_steps_per_s")


def _no_check(cfg: TrainingConfig) -> str | None:
    """No constraint beyond each field's own bounds."""
    return None


@dataclass(frozen=True)
class OptimizerDef:
    """One optimizer: its name, what it does, the hyperparameters it takes, its torch class."""

    name: str
    doc: str
    cls: type[torch.optim.Optimizer]
    hyperparameters: tuple[str, ...]
    options: Callable[[TrainingConfig], Options]  # the torch class's keyword arguments
    check: Callable[[TrainingConfig], str | None] = _no_check  # a reason the settings do not fit

    @property
    def live(self) -> tuple[str, ...]:
        """Training fields PATCH may change while a run with this optimizer trains."""
        return (*self.hyperparameters, *COMMON_LIVE)

    def build(
        self, params: Iterable[torch.nn.Parameter], cfg: TrainingConfig
    ) -> torch.optim.Optimizer:
        """A fresh torch optimizer for these settings."""
        return self.cls(params, **self.options(cfg))

    def apply(self, optimizer: torch.optim.Optimizer, cfg: TrainingConfig) -> None:
        """Write the settings into a running optimizer's groups (its state is kept)."""
        values = self.options(cfg)
        for group in optimizer.param_groups:
            group.update(values)


def _sgd_check(cfg: TrainingConfig) -> str | None:
    return "nesterov needs momentum > 0" if cfg.nesterov and cfg.momentum <= 0 else None


_ADAM_FIELDS = ("lr", "beta1", "beta2", "eps", "weight_decay")


def _adam_options(cfg: TrainingConfig) -> Options:
    return {
        "lr": cfg.lr,
        "betas": (cfg.beta1, cfg.beta2),
        "eps": cfg.eps,
        "weight_decay": cfg.weight_decay,
    }


def _adam_like(name: str, doc: str, cls: type[torch.optim.Optimizer]) -> OptimizerDef:
    """An entry of the Adam family: the same hyperparameters, another update rule."""
    return OptimizerDef(name, doc, cls, _ADAM_FIELDS, _adam_options)


_ENTRIES = (
    OptimizerDef(
        name="sgd",
        doc="Stochastic gradient descent, with optional (Nesterov) momentum.",
        cls=torch.optim.SGD,
        hyperparameters=("lr", "momentum", "nesterov", "weight_decay"),
        options=lambda c: {
            "lr": c.lr,
            "momentum": c.momentum,
            "nesterov": c.nesterov,
            "weight_decay": c.weight_decay,
        },
        check=_sgd_check,
    ),
    OptimizerDef(
        name="rmsprop",
        doc="Divides each step by a running root mean square of the gradient.",
        cls=torch.optim.RMSprop,
        hyperparameters=("lr", "momentum", "alpha", "eps", "weight_decay"),
        options=lambda c: {
            "lr": c.lr,
            "alpha": c.alpha,
            "eps": c.eps,
            "momentum": c.momentum,
            "weight_decay": c.weight_decay,
        },
    ),
    _adam_like(
        "adam",
        "Momentum and RMSProp together, with bias correction; weight decay as an L2 term.",
        torch.optim.Adam,
    ),
    _adam_like("adamw", "Adam with weight decay decoupled from the gradient.", torch.optim.AdamW),
)

OPTIMIZERS: dict[str, OptimizerDef] = {entry.name: entry for entry in _ENTRIES}
