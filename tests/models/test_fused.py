"""Runs trained as one stacked step end where each would have ended alone."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
import torch

from models.datasets import load_dataset
from models.fused import FusedGroup, fuse_blocker, fuse_key
from models.optim import TrainingConfig
from models.presets import PRESETS
from models.train import Trainer

NETWORK = PRESETS["spiral-mlp"]["run"]["network"]
DATA = load_dataset("spiral", {})


def trainer(network: dict[str, Any] | None = None, **training: Any) -> Trainer:
    config = {"max_steps": 10_000, "batch_size": 16, **training}
    return Trainer(network or NETWORK, DATA, config, device="cpu", eval_samples=64)


def relative(a: Trainer, b: Trainer) -> float:
    """The largest weight difference of two runs, relative to the largest weight."""
    worst = 0.0
    for (name, pa), (_, pb) in zip(
        a.model.named_parameters(), b.model.named_parameters(), strict=True
    ):
        scale = float(pb.detach().abs().max()) or 1.0
        worst = max(worst, float((pa.detach() - pb.detach()).abs().max()) / scale)
        assert name  # every parameter compared
    return worst


SETTINGS = {
    "sgd with momentum": [
        {"optimizer": "sgd", "lr": 0.01 * (i + 1), "momentum": 0.9, "seed": i} for i in range(8)
    ],
    "sgd, nesterov and decay": [
        {
            "optimizer": "sgd",
            "lr": 0.02 * (i + 1),
            "momentum": 0.5 + 0.05 * i,
            "nesterov": i % 2 == 0,
            "weight_decay": 1e-3 * i,
            "seed": 10 + i,
        }
        for i in range(8)
    ],
    "adam": [{"optimizer": "adam", "lr": 0.002 * (i + 1), "seed": i} for i in range(8)],
    "adamw": [
        {"optimizer": "adamw", "lr": 0.003 * (i + 1), "weight_decay": 0.01 * i, "seed": i}
        for i in range(8)
    ],
}


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_eight_runs_in_a_group_end_with_the_weights_each_has_alone(kind: str) -> None:
    settings = SETTINGS[kind]
    alone = [trainer(**s) for s in settings]
    grouped = [trainer(**s) for s in settings]
    group = FusedGroup(grouped)
    for _ in range(4):
        results = group.step(50, evaluate=False)
        assert [r.metrics.step for r in results] == [grouped[0].step_count] * 8
    for run in alone:
        run.step(200, evaluate=False)
    for a, g in zip(alone, grouped, strict=True):
        assert g.step_count == a.step_count == 200
        assert relative(g, a) < 1e-5, kind
        # What a run's module holds is its row of the group: probes see the live weights.
        assert g.evaluate().test_loss == pytest.approx(a.evaluate().test_loss, rel=1e-4)


def test_a_run_that_diverges_in_a_group_fails_alone_and_the_others_go_on() -> None:
    settings = SETTINGS["adam"][:4]
    alone = [trainer(**s) for s in settings]
    grouped = [trainer(**s) for s in settings]
    group = FusedGroup(grouped)
    group.step(20, evaluate=False)
    with torch.no_grad():
        next(grouped[1].model.parameters()).fill_(math.nan)  # its row of the group
    results = group.step(30, evaluate=False)
    assert results[1].diverged is not None and grouped[1].diverged is not None
    assert grouped[1].step_count == 21  # the first step with a NaN loss, as alone
    assert grouped[1] not in group.members and len(group.members) == 3
    for run in alone:
        run.step(50, evaluate=False)
    for i in (0, 2, 3):
        assert grouped[i].diverged is None and relative(grouped[i], alone[i]) < 1e-5


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_joining_and_leaving_mid_training_keeps_each_runs_state_exact(optimizer: str) -> None:
    extra = {"momentum": 0.9} if optimizer == "sgd" else {}
    settings = [
        {"optimizer": optimizer, "lr": 0.01 * (i + 1), "seed": i, **extra} for i in range(3)
    ]
    alone = [trainer(**s) for s in settings]
    runs = [trainer(**s) for s in settings]
    group = FusedGroup(runs[:2])
    group.step(30, evaluate=False)  # a and b together
    runs[2].step(30, evaluate=False)  # c alone, then it joins
    group.join(runs[2])
    group.step(40, evaluate=False)
    group.leave(runs[0])  # a leaves: alone from here, with its optimizer state
    runs[0].step(30, evaluate=False)
    group.step(30, evaluate=False)
    group.join(runs[0])  # and comes back
    group.step(20, evaluate=False)
    group.leave(runs[1])
    for run in alone:
        run.step(120, evaluate=False)
    for a, r in zip(alone, runs, strict=True):
        assert r.step_count == 120 and relative(r, a) < 1e-5
    # The one that left trains on alone with its own copies: the group's rows are not its.
    runs[1].step(10, evaluate=False)
    alone[1].step(10, evaluate=False)
    assert relative(runs[1], alone[1]) < 1e-5


def test_only_runs_with_a_stacked_update_and_no_hidden_state_are_grouped() -> None:
    assert fuse_blocker(trainer(optimizer="adam")) is None
    assert "rmsprop" in (fuse_blocker(trainer(optimizer="rmsprop")) or "")
    nodes = [dict(node) for node in NETWORK["nodes"]]
    hidden = next(i for i, node in enumerate(nodes) if node["type"] == "linear")
    with_dropout = {
        **NETWORK,
        "nodes": [*nodes[: hidden + 1], {"id": "drop", "type": "dropout"}, *nodes[hidden + 1 :]],
        "edges": [],
    }
    order = [node["id"] for node in with_dropout["nodes"]]
    with_dropout["edges"] = [{"source": a, "target": b} for a, b in itertools.pairwise(order)]
    assert "dropout" in (fuse_blocker(trainer(with_dropout)) or "")
    with pytest.raises(ValueError, match="cannot train in a group"):
        FusedGroup([trainer(optimizer="rmsprop")])
    # The key: same network (wherever its nodes are drawn), data, optimizer and batch size.
    moved = {**NETWORK, "nodes": [{**n, "position": {"x": 1, "y": 2}} for n in NETWORK["nodes"]]}
    adam, sgd = TrainingConfig(optimizer="adam", lr=0.1), TrainingConfig(optimizer="sgd")
    spiral = {"name": "spiral", "params": {}}
    assert fuse_key(NETWORK, spiral, adam, "cpu") == fuse_key(
        moved, spiral, adam.model_copy(update={"lr": 0.5, "seed": 3}), "cpu"
    )
    assert fuse_key(NETWORK, spiral, adam, "cpu") != fuse_key(NETWORK, spiral, sgd, "cpu")
