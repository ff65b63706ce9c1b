"""What the lessons of the lecture's first part claim, on the real models, with wide margins."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest
import torch

from models.lessons import networks
from models.probes.activations import activation_stats
from models.probes.params import gradient_stats
from models.probes.predictions import predictions
from models.train import Trainer
from tests.models.lesson_runs import fields, run_of, tensor, trained


def weight_norm(trainer: Trainer) -> float:
    """The L2 norm of every weight matrix together (biases aside)."""
    squares = [
        float((p.detach() ** 2).sum())
        for name, p in trainer.model.named_parameters()
        if name.endswith("weight")
    ]
    return math.sqrt(sum(squares))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_step_stops_the_gradient_and_straight_through_trains_the_unit(seed: int) -> None:
    true, through = trained("perceptron", seed, 0, 0), trained("perceptron", seed, 0, 1)
    start = tensor(true, "h").clone()
    x, y = true.data.x_test[:256], true.data.y_test[:256]
    assert gradient_stats(true.model, true.objective, x, y).meta["norms"]["h"] == 0.0
    true.step(300)
    through.step(300)
    # The true gradient of a step is zero: h's line is where it started, to the bit.
    assert torch.equal(tensor(true, "h"), start)
    # Passed straight through, the same unit learns the two clusters (1.0 on seeds 0-3).
    acc = through.evaluate().test_acc
    assert acc is not None and acc >= 0.95


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_hidden_layer_encloses_the_circle_and_no_hidden_layer_cannot(seed: int) -> None:
    flat, curved = (trained("circle-one-hidden", seed, 300, i).evaluate() for i in (0, 1))
    # Seeds 0-2 after 300 steps: 0.62 to 0.65 without, 1.0 with.
    assert flat.test_acc is not None and flat.test_acc <= 0.75
    assert curved.test_acc is not None and curved.test_acc >= 0.95


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deep_and_narrow_beats_wide_and_shallow_at_the_same_count(seed: int) -> None:
    wide, deep = fields("wide-vs-deep", 0), fields("wide-vs-deep", 1)
    counts = [sum(p for _, p, _ in f.values()) for f in (wide, deep)]
    assert counts == [627, 626] and abs(counts[0] - counts[1]) <= 0.1 * counts[1]
    wide_acc, deep_acc = (trained("wide-vs-deep", seed, 400, i).evaluate().test_acc for i in (0, 1))
    # Seeds 0-3 after 400 steps: wide 0.78 to 0.91, deep 0.988 to 0.992.
    assert wide_acc is not None and deep_acc is not None
    assert deep_acc >= 0.95 and deep_acc > wide_acc


def test_softmax_sums_to_one_and_cross_entropy_is_minus_log_the_true_probability() -> None:
    trainer = trained("softmax-classifier", 0, 100)
    x, y = trainer.data.x_test, trainer.data.y_test
    with torch.no_grad():
        probs = trainer.model(x).softmax(dim=1)
        loss = trainer.objective.loss(trainer.model(x), y)
    assert torch.allclose(probs.sum(dim=1), torch.ones(len(x)), atol=1e-6)
    assert float(loss) == pytest.approx(float(-probs[torch.arange(len(y)), y].log().mean()), 1e-5)
    # The page's predictions show the probability of the class each sample is given.
    shown = predictions(trainer.model, x, y).meta
    assert shown["prob"] == pytest.approx(probs[:16].max(dim=1).values.tolist(), abs=1e-6)
    # Ten classes said equally likely would cost ln 10; trained 100 steps, far less.
    assert float(loss) < 0.5 * math.log(10)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_small_rate_crawls_a_good_one_converges_a_large_one_diverges_and_says_why(
    seed: int,
) -> None:
    small, good, large = (trained("learning-rate", seed, 300, i) for i in range(3))
    # Seeds 0-1 after 300 steps: 0.042 to 0.061 at 0.0005, 0.0006 at 0.05.
    assert small.evaluate().train_loss > 20 * good.evaluate().train_loss
    assert small.diverged is None and good.diverged is None
    # 3 diverges within a few steps (infinite at step 4), and the run says what to do.
    assert large.diverged is not None and large.diverged.step <= 50
    assert "learning rate 3 is probably too high" in large.diverged.message
    assert [lr for lr, _ in networks.LR_RUNS] == [0.0005, 0.05, 3.0]


def loss_spread(trainer: Trainer, steps: int = 200) -> float:
    """The standard deviation of the step-to-step change of the training loss."""
    losses = [trainer.step(1, evaluate=False).metrics.train_loss or 0.0 for _ in range(steps)]
    changes = [b - a for a, b in itertools.pairwise(losses)]
    return statistics.pstdev(changes)


@pytest.mark.parametrize("seed", [0, 1])
def test_batch_size_one_jumps_a_hundred_times_more_than_the_full_batch(seed: int) -> None:
    one, full = trained("batch-noise", seed, 0, 0), trained("batch-noise", seed, 0, 1)
    assert (one.batch_size, full.batch_size) == (1, full.info.n_train) == (1, 250)
    # Seeds 0-1: 0.29 to 0.33 against 0.00025 to 0.00033.
    assert loss_spread(one) > 100 * loss_spread(full)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_momentum_and_adaptive_steps_go_further_than_sgd_at_the_same_rate(seed: int) -> None:
    drops = {}
    for i, (name, _) in enumerate(networks.OPTIMIZER_RUNS):
        trainer = trained("optimizers", seed, 0, i)
        start = trainer.evaluate().train_loss
        trainer.step(300)
        drops[name] = start - trainer.evaluate().train_loss
    # Seeds 0-2: SGD lowers the loss by 0.21 to 0.34; the others by 2.2 to 4 times more.
    assert drops["SGD"] > 0
    for name in ("momentum", "Nesterov", "RMSProp", "Adam"):
        assert drops[name] > 1.8 * drops["SGD"], name


@pytest.mark.parametrize("seed", [0, 1])
def test_weight_decay_keeps_the_weights_small(seed: int) -> None:
    free, decayed = (weight_norm(trained("weight-decay", seed, 300, i)) for i in (0, 1))
    # Seeds 0-1: 9.2 to 9.8 without, 2.3 to 3.1 with.
    assert decayed < 0.5 * free


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dropout_shrinks_the_gap_between_train_and_test(seed: int) -> None:
    plain, dropped = (trained("dropout", seed, 400, i).evaluate() for i in (0, 1))
    gap = [e.test_loss - e.train_loss for e in (plain, dropped)]
    # Seeds 0-2: a loss gap of 1.3 to 2.7 without, 0.07 to 0.21 with.
    assert plain.train_acc is not None and plain.train_acc >= 0.95  # it learns the noise
    assert gap[0] > 0.5 and gap[1] < 0.5 * gap[0]


def test_backpropagation_is_the_chain_rule_layer_by_layer() -> None:
    trainer = trained("backprop", 0, 50)
    x, y = trainer.data.x_test[:64].double(), trainer.data.y_test[:64]
    w = {n: tensor(trainer, n).double() for n in ("h1", "h2", "fc")}
    b = {n: tensor(trainer, n, "bias").double() for n in ("h1", "h2", "fc")}
    # Forward: z = a W^T + b; a = tanh z. Backward, from the loss down (mean over N).
    a1 = torch.tanh(x @ w["h1"].T + b["h1"])
    a2 = torch.tanh(a1 @ w["h2"].T + b["h2"])
    logits = a2 @ w["fc"].T + b["fc"]
    delta = (logits.softmax(dim=1) - torch.nn.functional.one_hot(y, 2)) / len(x)
    grads = {"fc": (delta.T @ a2, delta.sum(0))}
    delta = (delta @ w["fc"]) * (1 - a2**2)  # through fc, then tanh' = 1 - tanh^2
    grads["h2"] = (delta.T @ a1, delta.sum(0))
    delta = (delta @ w["h2"]) * (1 - a1**2)
    grads["h1"] = (delta.T @ x, delta.sum(0))
    norms = gradient_stats(trainer.model, trainer.objective, x.float(), y).meta["norms"]
    for node, (gw, gb) in grads.items():
        assert norms[node] == pytest.approx(float(torch.cat([gw.flatten(), gb]).norm()), 1e-4)


def switched_off_share(trainer: Trainer) -> float:
    """The share of hidden units whose input is never positive on the test set."""
    x = trainer.data.x_test
    return (
        sum(activation_stats(trainer.model, node, x).meta["dead_fraction"] for node in ("a1", "a2"))
        / 2
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relus_switched_off_stay_dead_and_leaky_ones_wake(seed: int) -> None:
    start, after = [], []
    for i, act in enumerate(networks.RECTIFIER_RUNS):
        trainer = trained("dead-relu", seed, 0, i)
        start.append(switched_off_share(trainer))
        trainer.step(300)
        after.append(switched_off_share(trainer))
        if act == "prelu":
            slope = float(tensor(trainer, "a1").mean())
    # Seeds 0-2: about half start switched off (0.47 to 0.58) in every run.
    assert all(0.35 < share < 0.7 for share in start)
    # After 300 steps the ReLU's are still off (0.47 to 0.58); the leaky ones woke (0.02 to 0.06).
    assert after[0] > 0.35 and after[0] >= start[0] - 0.1
    assert after[1] < 0.15 and after[2] < 0.15
    # PReLU learned its slope: from 0.25 to -0.07 .. -0.11.
    assert abs(slope - 0.25) > 0.15


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rate_ten_times_too_large_kills_relus_and_the_usual_one_does_not(seed: int) -> None:
    killing = trained("dead-relu-rate", seed, 0)
    start = switched_off_share(killing)
    killing.step(300)
    usual = Trainer(
        run_of("dead-relu-rate")["network"],
        "spiral",
        {**run_of("dead-relu-rate")["training"], "lr": 0.01, "seed": seed},
    )
    usual.step(300)
    # Seeds 0-2: 0.03 to 0.08 at the start; after 300 steps 0.55 to 0.69 at lr 0.1 and
    # 0.14 to 0.17 at lr 0.01.
    assert start < 0.15
    assert switched_off_share(usual) < 0.3
    assert switched_off_share(killing) > switched_off_share(usual) + 0.25


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_hidden_layers_of_16_fit_the_spiral(seed: int) -> None:
    acc = trained("spiral-mlp", seed, 600).evaluate().test_acc
    # Seeds 0-2 after 600 steps: 0.94 to 0.996 (a line gets about half).
    assert acc is not None and acc >= 0.9
