"""The Trainer: a network, a dataset and an optimizer on one device, advanced by `step(n)`.

Three lines in a notebook:

    from models import Trainer
    trainer = Trainer(spec, "spiral", {"optimizer": "adam", "lr": 0.01})
    print(trainer.step(2000))
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, Field

from models.build import Network
from models.datasets import Dataset, load_dataset
from models.device import resolve_device
from models.errors import InvalidSpecError
from models.graphs import GraphedStep, graph_blocker, make_capturable, optimizer_step
from models.landscape import Landscape, LandscapeOptions, flatten
from models.objectives import make_objective
from models.optim import TrainingConfig, apply_live, make_optimizer
from models.probes.dispatch import run_probe
from models.probes.result import ProbeResult
from models.shapes import infer_shapes

EVAL_CHUNK = 1024
SNAPSHOTS = 40  # weight snapshots kept over a run, for the loss landscape's trajectory
SNAPSHOT_FIRST_EVERY = 50  # steps between the first snapshots; doubled each time they thin
SNAPSHOT_MAX_PARAMS = 2_000_000  # larger networks keep none (40 copies would be too big)


class MetricsRow(BaseModel):
    """One row of the metric history (the contract's metrics row)."""

    step: int = Field(description="Optimizer steps taken so far.")
    epoch: float = Field(description="Passes over the training set so far.")
    train_loss: float | None = Field(description="Mean minibatch loss over the latest steps.")
    test_loss: float | None = Field(None, description="Loss on the test set (evaluated rows).")
    train_acc: float | None = Field(None, description="Accuracy on the training set, eval mode.")
    test_acc: float | None = Field(None, description="Accuracy on the test set.")
    lr: float = Field(description="Learning rate in force.")
    steps_per_s: float = Field(description="Training speed over the latest steps.")
    wall_s: float = Field(description="Seconds spent training so far.")
    time: float | None = Field(None, description="Unix time when the row's last step ended.")


class Divergence(BaseModel):
    """The loss stopped being a finite number."""

    step: int
    value: str = Field(description="'nan' or 'inf'.")
    message: str


class StepResult(BaseModel):
    """What `Trainer.step` did: the metrics row, and whether training has ended."""

    metrics: MetricsRow
    diverged: Divergence | None = None
    done: bool = Field(False, description="max_steps reached (or diverged).")

    def __str__(self) -> str:
        m = self.metrics
        parts = [
            f"step {m.step}",
            f"train_loss {m.train_loss:.4g}" if m.train_loss is not None else "",
        ]
        for name in ("test_loss", "train_acc", "test_acc"):
            value = getattr(m, name)
            if value is not None:
                parts.append(f"{name} {value:.4g}")
        parts.append(f"{m.steps_per_s:.0f} steps/s")
        if self.diverged:
            parts.append(self.diverged.message)
        return ", ".join(p for p in parts if p)


class Evaluation(BaseModel):
    """Loss and accuracy on (fixed subsets of) the train and test sets, in eval mode."""

    train_loss: float
    test_loss: float
    train_acc: float | None
    test_acc: float | None


def divergence_message(step: int, value: float, lr: float) -> str:
    """Why training stopped, in words a student understands."""
    what = "NaN (not a number)" if math.isnan(value) else "infinite"
    return (
        f"the loss became {what} at step {step}; the learning rate {lr:g} is probably too high. "
        f"Lower it (try {lr / 10:g}) and reset."
    )


def _baked(config: TrainingConfig) -> dict[str, Any]:
    """The settings a captured step holds as constants (not its length, pace or seed)."""
    return config.model_dump(exclude={"max_steps", "max_steps_per_s", "seed"})


class Trainer:
    """Trains one network on one dataset; advance with `step(n)`, read `evaluate()`."""

    def __init__(
        self,
        network: Any,
        dataset: str | Dataset,
        training: TrainingConfig | Mapping[str, Any] | None = None,
        *,
        dataset_params: Mapping[str, Any] | None = None,
        data_dir: Path | None = None,
        device: str | torch.device = "cpu",
        eval_samples: int = 2048,
        cuda_graphs: bool = True,
    ) -> None:
        self.cuda_graphs = cuda_graphs  # on CUDA, replay the step as one graph when it can
        self.config = (
            training
            if isinstance(training, TrainingConfig)
            else TrainingConfig.model_validate(training or {})
        )
        self.device = resolve_device(device)
        data = (
            dataset
            if isinstance(dataset, Dataset)
            else load_dataset(dataset, dataset_params, data_dir)
        )
        self.info = data.info

        report = infer_shapes(network, data.info.input_shape)
        if report.graph is None or report.errors:
            raise InvalidSpecError(report.errors)
        graph = report.graph
        shapes = {n: s for n, s in report.shapes.items() if s is not None}
        self.objective = make_objective(
            graph.loss, data.info, shapes[graph.output_id], graph.output_id
        )

        # Weights, batch order and dropout each draw from this trainer's own generators,
        # so runs sharing a process do not disturb one another and are reproducible.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            self.model = Network(graph, shapes).to(self.device)
            self._cpu_rng = torch.get_rng_state()
        self._cuda_rng = self._initial_cuda_rng()
        self._batch_gen = torch.Generator().manual_seed(self.config.seed)

        self.data = data.to(self.device)
        self._train_targets = self.objective.targets(self.data.y_train)
        n_eval = min(eval_samples, data.info.n_train)
        self._eval_sets = {
            "train": (self.data.x_train[:n_eval], self.data.y_train[:n_eval]),
            "test": (self.data.x_test[:eval_samples], self.data.y_test[:eval_samples]),
        }
        self.graphed: GraphedStep | None = None
        self.graph_note: str | None = None  # why the step is not captured, if it is not
        self._new_optimizer()
        self.step_count = 0
        self.samples_seen = 0
        self.wall_s = 0.0
        self.diverged: Divergence | None = None
        self._cursor = 0
        self._x_epoch, self._t_epoch = self._shuffled()
        # The weights along the way, for the loss landscape's trajectory (small networks).
        self.snapshots: list[torch.Tensor] = []
        n_params = sum(p.numel() for p in self.model.parameters())
        self._snapshot_every = (
            max(1, min(self.config.max_steps // SNAPSHOTS, SNAPSHOT_FIRST_EVERY))
            if n_params <= SNAPSHOT_MAX_PARAMS
            else 0
        )
        self._take_snapshot()

    def use_cuda_graphs(self, on: bool) -> None:
        """Capture the step as a CUDA graph where it can (on), or always step eagerly."""
        if on != self.cuda_graphs:
            self.cuda_graphs = on
            state = self.optimizer.state_dict()
            self._new_optimizer()
            self.optimizer.load_state_dict(state)
            make_capturable(self.optimizer, on=self.graphed is not None)

    def _new_optimizer(self) -> None:
        """The optimizer for the settings in force, and the graph of the step it takes."""
        self.optimizer = make_optimizer(self.model.parameters(), self.config)
        self.graphed = None
        if not self.cuda_graphs:
            self.graph_note = "CUDA graphs are off for this run"
            return
        self.graph_note = graph_blocker(self.device, self.model, self.config.optimizer)
        if self.graph_note is None:
            make_capturable(self.optimizer)
            model, objective = self.model, self.objective
            self.graphed = GraphedStep(
                *optimizer_step(model, self.optimizer, lambda x, t: objective.loss(model(x), t)),
                device=self.device,
            )

    def _initial_cuda_rng(self) -> torch.Tensor | None:
        """This trainer's CUDA generator state (dropout on the GPU), seeded."""
        if self.device.type != "cuda":
            return None
        with torch.random.fork_rng(devices=[self.device]):
            torch.cuda.manual_seed(self.config.seed)
            return torch.cuda.get_rng_state(self.device)

    @contextmanager
    def _own_rng(self) -> Iterator[None]:
        """Swap this trainer's RNG state in for the duration (restoring the global one after)."""
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.set_rng_state(self._cpu_rng)
            if self._cuda_rng is not None:
                torch.cuda.set_rng_state(self._cuda_rng, self.device)
            yield
            self._cpu_rng = torch.get_rng_state()
            if self._cuda_rng is not None:
                self._cuda_rng = torch.cuda.get_rng_state(self.device)

    def _shuffled(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The training set in a fresh random order (one gather per epoch, not per step)."""
        self._perm = torch.randperm(self.info.n_train, generator=self._batch_gen)
        return self._ordered()

    def _ordered(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets in the current epoch's order."""
        perm = self._perm.to(self.device)
        return self.data.x_train[perm], self._train_targets[perm]

    @property
    def batch_size(self) -> int:
        """Samples per step (at most the training set)."""
        return min(self.config.batch_size, self.info.n_train)

    @property
    def epoch(self) -> float:
        """Passes over the training set so far."""
        return self.samples_seen / self.info.n_train

    @property
    def done(self) -> bool:
        """Whether training has ended (max_steps reached or diverged)."""
        return self.diverged is not None or self.step_count >= self.config.max_steps

    def step(self, n: int = 1, *, evaluate: bool = True) -> StepResult:
        """Take up to n optimizer steps (never past max_steps); evaluate after if asked."""
        n = max(0, min(n, self.config.max_steps - self.step_count))
        if self.diverged is not None or n == 0:
            return StepResult(
                metrics=self._row(None, 0.0, 0, evaluate), diverged=self.diverged, done=self.done
            )
        model, optimizer, objective = self.model, self.optimizer, self.objective
        losses: list[torch.Tensor] = []
        start = time.perf_counter()
        model.train()
        with self._own_rng():
            for _ in range(n):
                xb, tb = self.next_batch()
                if self.graphed is not None:
                    losses.append(self.graphed(xb, tb))
                    continue
                loss = objective.loss(model(xb), tb)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()
                losses.append(loss.detach())
        return self.record(torch.stack(losses), time.perf_counter() - start, evaluate=evaluate)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next minibatch of inputs and targets in this run's order (a new epoch's order
        when the current one is used up)."""
        bs = self.batch_size
        if self._cursor + bs > self.info.n_train:
            self._x_epoch, self._t_epoch = self._shuffled()
            self._cursor = 0
        xb = self._x_epoch[self._cursor : self._cursor + bs]
        tb = self._t_epoch[self._cursor : self._cursor + bs]
        self._cursor += bs
        return xb, tb

    def next_batches(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The next n minibatches, stacked [n, B, ...]: the batches n calls of `next_batch`
        would answer, sliced a whole stretch of the epoch at a time."""
        bs = self.batch_size
        xs: list[torch.Tensor] = []
        ts: list[torch.Tensor] = []
        left = n
        while left > 0:
            if self._cursor + bs > self.info.n_train:
                self._x_epoch, self._t_epoch = self._shuffled()
                self._cursor = 0
            take = min(left, (self.info.n_train - self._cursor) // bs)
            end = self._cursor + take * bs
            xs.append(self._x_epoch[self._cursor : end].reshape(take, bs, *self._x_epoch.shape[1:]))
            ts.append(self._t_epoch[self._cursor : end].reshape(take, bs, *self._t_epoch.shape[1:]))
            self._cursor = end
            left -= take
        if len(xs) == 1:
            return xs[0], ts[0]
        return torch.cat(xs), torch.cat(ts)

    def record(self, stacked: torch.Tensor, elapsed: float, *, evaluate: bool) -> StepResult:
        """Count steps taken elsewhere (their losses, in order) as this run's: step count,
        divergence at the first non-finite loss, snapshots, and the metrics row."""
        n = len(stacked)
        bs = self.batch_size
        finite = torch.isfinite(stacked)
        train_loss = float(stacked.mean())  # the one device sync per call
        self.wall_s += elapsed
        first_bad = None if bool(finite.all()) else int((~finite).nonzero()[0, 0])
        taken = n if first_bad is None else first_bad + 1
        self.step_count += taken
        self.samples_seen += taken * bs
        if first_bad is not None:
            bad = float(stacked[first_bad])
            self.diverged = Divergence(
                step=self.step_count,
                value="nan" if math.isnan(bad) else "inf",
                message=divergence_message(self.step_count, bad, self.config.lr),
            )
            train_loss = bad
        if self._snapshot_every and self.step_count % self._snapshot_every < taken:
            self._take_snapshot()
        row = self._row(train_loss, elapsed, n, evaluate and self.diverged is None)
        return StepResult(metrics=row, diverged=self.diverged, done=self.done)

    def _take_snapshot(self) -> None:
        """Keep the weights now; past SNAPSHOTS kept, every other one goes and the gap doubles."""
        if not self._snapshot_every:
            return
        self.snapshots.append(flatten(dict(self.model.named_parameters())))
        # A path shows from the first minutes of a long run, and still spans the whole run.
        if len(self.snapshots) > SNAPSHOTS:
            self.snapshots = self.snapshots[::2]
            self._snapshot_every *= 2

    def landscape(self, options: LandscapeOptions) -> Landscape:
        """A loss slice around the weights now, on the first training samples (eval mode)."""
        x = self.data.x_train[: options.samples]
        targets = self._train_targets[: options.samples]
        return Landscape(
            self.model, lambda m: self.objective.loss(m(x), targets), options, self.snapshots
        )

    def _row(self, train_loss: float | None, elapsed: float, n: int, evaluate: bool) -> MetricsRow:
        """A metrics row for the state now."""
        ev = self.evaluate() if evaluate else None
        return MetricsRow(
            step=self.step_count,
            epoch=self.epoch,
            train_loss=train_loss if train_loss is not None or ev is None else ev.train_loss,
            test_loss=ev.test_loss if ev else None,
            train_acc=ev.train_acc if ev else None,
            test_acc=ev.test_acc if ev else None,
            lr=self.config.lr,
            steps_per_s=n / elapsed if elapsed > 0 else 0.0,
            wall_s=self.wall_s,
            time=time.time(),
        )

    @torch.no_grad()
    def _score(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[float, float | None]:
        """Mean loss and accuracy over a set, in chunks to bound memory."""
        total_loss = torch.zeros((), device=self.device)
        total_right = torch.zeros((), device=self.device, dtype=torch.int64)
        targets = self.objective.targets(labels)
        for i in range(0, len(x), EVAL_CHUNK):
            out = self.model(x[i : i + EVAL_CHUNK])
            part = slice(i, i + EVAL_CHUNK)
            total_loss += self.objective.loss(out, targets[part]) * len(out)
            if self.objective.has_accuracy:
                total_right += self.objective.correct(out, labels[part])
        loss = float(total_loss) / max(len(x), 1)
        if not self.objective.has_accuracy:
            return loss, None
        per_sample = labels[0].numel() if len(labels) else 1
        return loss, float(total_right) / max(len(x) * per_sample, 1)

    def evaluate(self) -> Evaluation:
        """Loss and accuracy on the train and test subsets (eval mode; mode restored after)."""
        was_training = self.model.training
        self.model.eval()
        try:
            train_loss, train_acc = self._score(*self._eval_sets["train"])
            test_loss, test_acc = self._score(*self._eval_sets["test"])
        finally:
            self.model.train(was_training)
        return Evaluation(
            train_loss=train_loss, test_loss=test_loss, train_acc=train_acc, test_acc=test_acc
        )

    def update(self, **changes: Any) -> TrainingConfig:
        """Change lr, momentum, nesterov, weight decay, batch size or max_steps between steps."""
        unknown = set(changes) - {"optimizer", *type(self.config).model_fields}
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        if "seed" in changes and changes["seed"] != self.config.seed:
            raise ValueError("the seed cannot change during a run; reset instead")
        new = TrainingConfig.model_validate({**self.config.model_dump(), **changes})
        if new.optimizer != self.config.optimizer:
            self.config = new
            self._new_optimizer()
        else:
            apply_live(self.optimizer, new)
            if self.graphed is not None and _baked(new) != _baked(self.config):
                self.graphed.drop("a live change of its settings")  # lr and the like are baked in
        self.config = new
        return new

    def probe(
        self, topic: str, node: str | None = None, options: Mapping[str, Any] | None = None
    ) -> ProbeResult:
        """One probe of the model now (ProbeError when it does not apply); training untouched."""
        return run_probe(self, topic, node, options)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: weights, optimizer, counters, RNG states."""
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "config": self.config.model_dump(),
            "step_count": self.step_count,
            "samples_seen": self.samples_seen,
            "wall_s": self.wall_s,
            "cursor": self._cursor,
            "cpu_rng": self._cpu_rng,
            "cuda_rng": self._cuda_rng,
            "batch_gen": self._batch_gen.get_state(),
            "epoch_order": self._perm,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state taken by `state_dict` on a trainer of the same spec and dataset."""
        self.update(**state["config"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        # A state saved where the step was captured (or not) says so; what counts is here.
        make_capturable(self.optimizer, on=self.graphed is not None)
        if self.graphed is not None:
            self.graphed.drop("a checkpoint was restored")
        self.step_count = int(state["step_count"])
        self.samples_seen = int(state["samples_seen"])
        self.wall_s = float(state["wall_s"])
        self._cursor = int(state["cursor"])
        self._cpu_rng = state["cpu_rng"]
        self._cuda_rng = state["cuda_rng"]
        self._batch_gen.set_state(state["batch_gen"])
        self._perm = state["epoch_order"]
        self._x_epoch, self._t_epoch = self._ordered()
        self.diverged = None
