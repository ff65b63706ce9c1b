"""CUDA graph replay against eager steps: the same weights after 100 steps (CUDA only)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from models.fused import FusedGroup
from models.graphs import WARMUP_STEPS, graph_blocker, make_capturable
from models.presets import PRESETS
from models.train import Trainer
from tests.models.helpers import chain

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_without_cuda_the_step_stays_eager_and_says_why() -> None:
    run = PRESETS["spiral-mlp"]["run"]
    trainer = Trainer(run["network"], "spiral", run["training"])
    trainer.step(10)
    assert trainer.graphed is None and trainer.graph_note == "CUDA graphs need a CUDA device"
    dropout = Trainer(chain(("dropout", {"p": 0.5}), ("linear", {"out_features": 2})), "xor")
    reason = graph_blocker(torch.device("cuda"), dropout.model, "adam")
    assert reason is not None and "dropout" in reason


def _pair(lesson: str, training: dict[str, Any]) -> tuple[Trainer, Trainer]:
    run = PRESETS[lesson]["run"]
    body = {**run["training"], **training, "max_steps": 10_000, "seed": 3}
    data = run["dataset"]["name"]
    graphed = Trainer(run["network"], data, body, device="cuda")
    eager = Trainer(run["network"], data, body, device="cuda", cuda_graphs=False)
    return graphed, eager


@CUDA
@pytest.mark.parametrize(
    ("lesson", "training"),
    [
        ("spiral-mlp", {"optimizer": "adam"}),
        ("spiral-mlp", {"optimizer": "sgd", "momentum": 0.9, "lr": 0.05}),
        ("digits-cnn", {"optimizer": "adamw", "weight_decay": 0.01}),
    ],
)
def test_graph_replay_gives_the_weights_of_eager_steps_after_100(
    lesson: str, training: dict[str, Any]
) -> None:
    graphed, eager = _pair(lesson, training)
    for trainer in (graphed, eager):
        for _ in range(10):
            trainer.step(10, evaluate=False)
    assert graphed.graphed is not None and graphed.graphed.graph is not None  # it replayed
    assert graphed.step_count == eager.step_count == 100
    for (name, a), b in zip(
        graphed.model.state_dict().items(), eager.model.state_dict().values(), strict=True
    ):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6), name


@CUDA
def test_a_live_change_drops_the_graph_and_it_is_captured_again() -> None:
    graphed, eager = _pair("spiral-mlp", {"optimizer": "adam"})
    for trainer in (graphed, eager):
        trainer.step(20, evaluate=False)
        trainer.update(lr=0.003)
    assert graphed.graphed is not None and graphed.graphed.graph is None
    for trainer in (graphed, eager):
        trainer.step(WARMUP_STEPS + 20, evaluate=False)
    assert graphed.graphed.graph is not None  # captured again, with the new rate
    for a, b in zip(graphed.model.parameters(), eager.model.parameters(), strict=True):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)


@CUDA
def test_a_fused_group_replayed_as_a_graph_ends_as_it_would_eagerly() -> None:
    run = PRESETS["spiral-mlp"]["run"]

    def group(graphs: bool) -> FusedGroup:
        trainers = [
            Trainer(
                run["network"],
                "spiral",
                {**run["training"], "max_steps": 10_000, "lr": 0.002 * (i + 1), "seed": i},
                device="cuda",
                cuda_graphs=False,
            )
            for i in range(4)
        ]
        made = FusedGroup(trainers)
        if not graphs:
            made.graphed = None
        return made

    graphed, eager = group(True), group(False)
    for made in (graphed, eager):
        for _ in range(10):
            made.step(10, evaluate=False)
    assert graphed.graphed is not None and graphed.graphed.graph is not None
    assert torch.allclose(graphed.flat, eager.flat, rtol=1e-5, atol=1e-6)
    for made in (graphed, eager):
        made.leave(made.members[0])  # leaving drops the graph; the rest go on exactly
        made.step(WARMUP_STEPS + 10, evaluate=False)
    assert torch.allclose(graphed.flat, eager.flat, rtol=1e-5, atol=1e-6)


def test_the_capturable_flag_moves_the_optimizer_s_step_counters_with_it() -> None:
    run = PRESETS["spiral-mlp"]["run"]
    trainer = Trainer(run["network"], "spiral", {**run["training"], "optimizer": "adam"})
    trainer.step(3)
    make_capturable(trainer.optimizer, on=True)
    group = trainer.optimizer.param_groups[0]
    steps = [trainer.optimizer.state[p]["step"] for p in group["params"]]
    assert group["capturable"] and all(s.dtype == torch.float32 and float(s) == 3 for s in steps)
    make_capturable(trainer.optimizer, on=False)
    assert not trainer.optimizer.param_groups[0]["capturable"]
    trainer.step(2)  # a plain update takes them back as they are
    assert float(trainer.optimizer.state[group["params"][0]]["step"]) == 5
