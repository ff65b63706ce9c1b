"""The Trainer: it learns what a lecture says it should, reproducibly, and reports failure."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from models.datasets import load_dataset
from models.errors import InvalidSpecError
from models.optim import TrainingConfig, make_optimizer
from models.presets import PRESETS
from models.train import Trainer
from tests.models.helpers import chain, mlp


def digits_cnn() -> dict[str, Any]:
    return chain(
        ("conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("maxpool2d", {"kernel_size": 2}),
        ("conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("maxpool2d", {"kernel_size": 2}),
        ("flatten", {}),
        ("linear", {"out_features": 10}),
    )


@pytest.mark.slow
def test_spiral_two_hidden_layers_reach_90_percent() -> None:
    trainer = Trainer(mlp([16, 16]), "spiral", {"lr": 0.01, "max_steps": 3000})
    result = trainer.step(3000)
    assert result.metrics.test_acc is not None and result.metrics.test_acc >= 0.9
    assert result.done


@pytest.mark.slow
def test_xor_needs_a_hidden_layer() -> None:
    linear = Trainer(mlp([]), "xor", {"lr": 0.05}).step(2000)
    hidden = Trainer(mlp([8]), "xor", {"lr": 0.05}).step(2000)
    assert linear.metrics.test_acc is not None and linear.metrics.test_acc <= 0.75
    assert hidden.metrics.test_acc is not None and hidden.metrics.test_acc >= 0.95


@pytest.mark.slow
def test_small_cnn_learns_digits() -> None:
    result = Trainer(digits_cnn(), "digits", {"lr": 0.003, "batch_size": 64}).step(800)
    assert result.metrics.test_acc is not None and result.metrics.test_acc >= 0.9


def test_regression_on_plane() -> None:
    trainer = Trainer(mlp([8], out=1, loss="mse"), "plane", {"lr": 0.01})
    result = trainer.step(600)
    assert result.metrics.test_acc is None
    assert result.metrics.test_loss is not None and result.metrics.test_loss < 0.01


def test_bce_and_playground_style_mse_on_two_classes() -> None:
    for loss in ("bce", "mse"):
        result = Trainer(mlp([8], out=1, loss=loss), "gauss", {"lr": 0.01}).step(300)
        assert result.metrics.test_acc is not None and result.metrics.test_acc > 0.9


def test_same_seed_same_weights_and_interleaving_does_not_matter() -> None:
    spec = chain(
        ("linear", {"out_features": 16}),
        ("relu", {}),
        ("dropout", {"p": 0.3}),
        ("linear", {"out_features": 2}),
    )
    cfg = {"lr": 0.01, "seed": 7}
    alone = Trainer(spec, "circle", cfg)
    alone.step(60, evaluate=False)
    a, b = Trainer(spec, "circle", cfg), Trainer(spec, "circle", {**cfg, "seed": 8})
    for _ in range(6):
        a.step(10, evaluate=False)
        torch.rand(5)  # someone else drawing from the global generator
        b.step(10, evaluate=False)
    for pa, pb in zip(alone.model.parameters(), a.model.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not all(
        torch.equal(pa, pb)
        for pa, pb in zip(a.model.parameters(), b.model.parameters(), strict=True)
    )


def test_resume_from_state_dict_is_exact() -> None:
    spec = chain(
        ("linear", {"out_features": 8}),
        ("dropout", {"p": 0.2}),
        ("tanh", {}),
        ("linear", {"out_features": 2}),
    )
    straight = Trainer(spec, "spiral", {"seed": 1})
    straight.step(70, evaluate=False)
    first = Trainer(spec, "spiral", {"seed": 1})
    first.step(30, evaluate=False)
    state = first.state_dict()
    second = Trainer(spec, "spiral", {"seed": 1})
    second.load_state_dict(state)
    second.step(40, evaluate=False)
    assert second.step_count == 70
    for pa, pb in zip(straight.model.parameters(), second.model.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_divergence_is_a_result_with_a_reason() -> None:
    trainer = Trainer(mlp([16]), "spiral", {"optimizer": "sgd", "lr": 10.0})
    trainer.update(lr=10.0)
    with torch.no_grad():
        for p in trainer.model.parameters():
            p.mul_(1e30)  # certain overflow, whatever the data
    result = trainer.step(50)
    assert result.diverged is not None and result.done
    assert result.diverged.step == 1
    assert "step 1" in result.diverged.message and "learning rate 10" in result.diverged.message
    assert trainer.step(5).metrics.step == 1  # a diverged run does not go on


def test_live_changes() -> None:
    trainer = Trainer(mlp([8]), "circle", {"optimizer": "sgd", "lr": 0.1})
    trainer.step(5, evaluate=False)
    trainer.update(lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4, batch_size=8)
    group = trainer.optimizer.param_groups[0]
    assert (group["lr"], group["momentum"], group["nesterov"], group["weight_decay"]) == (
        0.02,
        0.9,
        True,
        1e-4,
    )
    before = trainer.samples_seen
    trainer.step(3, evaluate=False)
    assert trainer.samples_seen - before == 24
    assert trainer.step(1).metrics.lr == 0.02
    trainer.update(optimizer="adam")
    assert isinstance(trainer.optimizer, torch.optim.Adam)
    with pytest.raises(ValueError, match="nesterov"):
        trainer.update(optimizer="sgd", momentum=0.0, nesterov=True)
    with pytest.raises(ValueError, match="seed"):
        trainer.update(seed=99)


def test_max_steps_is_respected() -> None:
    trainer = Trainer(mlp([4]), "xor", {"max_steps": 25})
    assert trainer.step(100, evaluate=False).metrics.step == 25
    assert trainer.done


def test_output_must_fit_the_dataset() -> None:
    with pytest.raises(InvalidSpecError) as info:
        Trainer(mlp([8], out=3), "spiral")
    (error,) = info.value.errors
    assert error.node == "out" and "2 classes" in error.message
    with pytest.raises(InvalidSpecError, match="regression"):
        Trainer(mlp([8], out=1, loss="cross_entropy"), "plane")
    with pytest.raises(InvalidSpecError, match="flatten"):
        Trainer(chain(("linear", {"out_features": 10})), "digits")


def test_segmentation_per_pixel_cross_entropy() -> None:
    data = load_dataset("segmentation", {"n_samples": 60, "image_size": 16})
    k = data.info.n_classes
    spec = chain(
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("conv2d", {"out_channels": k, "kernel_size": 1}),
    )
    trainer = Trainer(spec, data, {"lr": 0.01})
    first = trainer.step(1)
    last = trainer.step(60)
    assert last.metrics.test_acc is not None and 0 <= last.metrics.test_acc <= 1
    assert last.metrics.train_loss is not None and first.metrics.train_loss is not None
    assert last.metrics.train_loss < first.metrics.train_loss


def reference_run(
    name: str, cfg: dict[str, Any], steps: int = 3
) -> tuple[torch.Tensor, torch.Tensor]:
    """Our optimizer and the formulas of REFERENCE.md on f(theta) = sum(theta^2)/2 + c.theta."""
    theta0 = torch.tensor([1.0, -2.0, 0.5])
    c = torch.tensor([0.3, 0.1, -0.2])
    param = torch.nn.Parameter(theta0.clone())
    opt = make_optimizer([param], TrainingConfig(optimizer=name, **cfg))  # type: ignore[arg-type]
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (param**2).sum() + (c * param).sum()).backward()
        opt.step()

    lr, wd, mu = cfg["lr"], cfg.get("weight_decay", 0.0), cfg.get("momentum", 0.0)
    theta = theta0.clone()
    b = m = v = torch.zeros(3)
    for t in range(1, steps + 1):
        g = theta + c
        if name == "adamw":
            theta = theta - lr * wd * theta
        elif wd:
            g = g + wd * theta
        if name == "sgd":
            if mu:
                b = g if t == 1 else mu * b + g
                g = g + mu * b if cfg.get("nesterov") else b
            theta = theta - lr * g
        elif name == "rmsprop":
            v = 0.99 * v + 0.01 * g**2
            theta = theta - lr * g / (v.sqrt() + 1e-8)
        else:
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g**2
            m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
            theta = theta - lr * m_hat / (v_hat.sqrt() + 1e-8)
    return param.detach(), theta


@pytest.mark.parametrize(
    ("name", "cfg"),
    [
        ("sgd", {"lr": 0.1}),
        ("sgd", {"lr": 0.1, "momentum": 0.9}),
        ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("rmsprop", {"lr": 0.01}),
        ("adam", {"lr": 0.01, "weight_decay": 0.1}),
        ("adamw", {"lr": 0.01, "weight_decay": 0.1}),
    ],
)
def test_optimizers_follow_the_published_formulas(name: str, cfg: dict[str, Any]) -> None:
    ours, reference = reference_run(name, cfg)
    assert torch.allclose(ours, reference, atol=1e-6), (ours, reference)


def test_metrics_row_is_complete() -> None:
    row = Trainer(mlp([4]), "circle").step(10).metrics
    assert row.step == 10 and math.isclose(row.epoch, 10 * 32 / 250)
    assert row.steps_per_s > 0 and row.wall_s > 0 and row.lr == 0.01
    assert None not in (row.train_loss, row.test_loss, row.train_acc, row.test_acc)


@pytest.mark.parametrize("n", [1, 7, 40])
def test_next_batches_are_the_batches_of_as_many_next_batch_calls(n: int) -> None:
    run = PRESETS["spiral-mlp"]["run"]
    one, many = (Trainer(run["network"], "spiral", {**run["training"], "seed": 5}) for _ in "ab")
    one.next_batch()
    many.next_batch()  # both start mid-epoch
    singles = [one.next_batch() for _ in range(n)]
    xs, ts = many.next_batches(n)
    assert xs.shape[:2] == (n, one.batch_size)
    assert torch.equal(xs, torch.stack([x for x, _ in singles]))
    assert torch.equal(ts, torch.stack([t for _, t in singles]))
    assert torch.equal(one.next_batch()[0], many.next_batch()[0])  # and they go on alike
