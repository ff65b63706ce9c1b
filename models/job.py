"""The job protocol: what a worker schedules, so that where and how a run trains can vary.

`Trainer` implements `Job` for one run on one device; `models.fused.FusedGroup`
implements `GroupJob`, runs of one network stepping as one. The worker only ever calls
what is listed here, and builds jobs through a `JobFactory` and groups through a
`GroupFactory`; where a worker itself runs (a local process, a Ray actor) is the
server's choice, behind the same commands and events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


class GroupJob(Protocol):
    """Runs of one network stepping as one job (a fused group), each keeping its own state.

    The worker schedules a group as it schedules a run: it steps it for a slice, and each
    member's result is that run's, as if it had stepped alone. Members join and leave
    between steps with their weights and optimizer state exact.
    """

    @property
    def members(self) -> Sequence[Trainer]:
        """The runs in the group, in the order their results come."""
        ...

    def join(self, trainer: Trainer) -> None:
        """Add a run, with its weights and optimizer state as they are."""
        ...

    def leave(self, trainer: Trainer) -> None:
        """Take a run out, its weights and optimizer state its own again."""
        ...

    def step(self, n: int = 1, *, evaluate: bool | Sequence[bool] = True) -> list[StepResult]:
        """Take n steps of every member together; each member's result, in order."""
        ...


class GroupFactory(Protocol):
    """Builds the group job of runs that may step together (ValueError when they cannot)."""

    def __call__(self, trainers: Sequence[Trainer]) -> GroupJob: ...


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
