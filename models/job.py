"""The job protocol: what a worker schedules, so that where and how a run trains can vary.

`Trainer` implements it for one run on one device. Other implementations keep the
same surface: a run of a fused group (its step advances the group's stacked step
and answers this run's row), or a proxy to a run living in a Ray actor. The worker
only ever calls what is listed here, and builds jobs through a `JobFactory`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import torch

from models.landscape import Landscape, LandscapeOptions
from models.optim import TrainingConfig
from models.probes.result import ProbeResult
from models.run import RunConfig
from models.train import Divergence, Evaluation, StepResult, Trainer


class Job(Protocol):
    """A run the worker can advance, evaluate, checkpoint, restore, probe and change live."""

    @property
    def config(self) -> TrainingConfig:
        """The training settings in force."""
        ...

    @property
    def step_count(self) -> int:
        """Optimizer steps taken."""
        ...

    @property
    def wall_s(self) -> float:
        """Seconds spent training (not waiting)."""
        ...

    @property
    def diverged(self) -> Divergence | None:
        """Why training stopped on a non-finite loss, if it did."""
        ...

    @property
    def done(self) -> bool:
        """Whether training has ended (max_steps reached or diverged)."""
        ...

    def step(self, n: int = 1, *, evaluate: bool = True) -> StepResult:
        """Take up to n steps, evaluating after them if asked."""
        ...

    def evaluate(self) -> Evaluation:
        """Loss and accuracy on the train and test subsets now."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """Everything a checkpoint needs to resume exactly."""
        ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state taken by `state_dict`."""
        ...

    def probe(
        self, topic: str, node: str | None = None, options: Mapping[str, Any] | None = None
    ) -> ProbeResult:
        """One probe of the model now (ProbeError when it does not apply)."""
        ...

    def landscape(self, options: LandscapeOptions) -> Landscape:
        """A loss slice around the weights now, to be computed row by row between steps."""
        ...

    def update(self, **changes: Any) -> TrainingConfig:
        """Apply a live change of training settings (ValueError when refused)."""
        ...


class JobFactory(Protocol):
    """Builds the job of a run: where its model and data live is the factory's choice."""

    def __call__(
        self, config: RunConfig, *, data_dir: Path, device: torch.device, eval_samples: int
    ) -> Job: ...


def trainer_job(
    config: RunConfig, *, data_dir: Path, device: torch.device, eval_samples: int
) -> Job:
    """The default job: a Trainer on this process's device."""
    return Trainer(
        config.network,
        config.dataset.name,
        config.training,
        dataset_params=config.dataset.params,
        data_dir=data_dir,
        device=device,
        eval_samples=eval_samples,
    )
