"""The optimizer race against hand-written update rules (REFERENCE.md) and the heavy ball's rate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from models.race import RaceError, Racer, RaceRequest, descend, run_race
from models.surfaces import SURFACES, surface

KAPPA = 10.0
START = (-1.8, 1.2)
STEPS = 60


def grad(theta: np.ndarray) -> np.ndarray:
    """Gradient of f = (x^2 + kappa y^2) / 2."""
    return theta * np.array([1.0, KAPPA])


def reference(name: str, hp: dict[str, Any], steps: int) -> np.ndarray:
    """Each update rule as REFERENCE.md writes it, in float64 numpy."""
    theta = np.array(START)
    lr, wd = hp.get("lr", 0.01), hp.get("weight_decay", 0.0)
    mu, nesterov = hp.get("momentum", 0.0), hp.get("nesterov", False)
    b1, b2, eps, alpha = (
        hp.get("beta1", 0.9),
        hp.get("beta2", 0.999),
        hp.get("eps", 1e-8),
        hp.get("alpha", 0.99),
    )
    buf = m = v = None
    out = [theta.copy()]
    for k in range(1, steps + 1):
        g = grad(theta)
        if name == "sgd":
            g = g + wd * theta
            if mu > 0:
                buf = g.copy() if buf is None else mu * buf + g
                g = g + mu * buf if nesterov else buf
            theta = theta - lr * g
        elif name == "rmsprop":
            g = g + wd * theta
            v = (1 - alpha) * g**2 if v is None else alpha * v + (1 - alpha) * g**2
            if mu > 0:
                buf = g / (np.sqrt(v) + eps) if buf is None else mu * buf + g / (np.sqrt(v) + eps)
                theta = theta - lr * buf
            else:
                theta = theta - lr * g / (np.sqrt(v) + eps)
        elif name in ("adam", "adamw"):
            if name == "adamw":
                theta = theta * (1 - lr * wd)
            else:
                g = g + wd * theta
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            v = (1 - b2) * g**2 if v is None else b2 * v + (1 - b2) * g**2
            m_hat, v_hat = m / (1 - b1**k), v / (1 - b2**k)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta.copy())
    return np.array(out)


RACERS = [
    ("sgd", {"lr": 0.05}),
    ("sgd", {"lr": 0.05, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.02, "momentum": 0.9}),
    ("sgd", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.01}),
    ("adam", {"lr": 0.1}),
    ("adam", {"lr": 0.1, "weight_decay": 0.05}),
    ("adamw", {"lr": 0.1, "weight_decay": 0.05}),
]


@pytest.mark.parametrize(
    ("name", "hp"), RACERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(RACERS)]
)
def test_every_path_on_the_quadratic_is_its_update_rule(name: str, hp: dict[str, Any]) -> None:
    body = {"function": "quadratic", "params": {"condition": KAPPA}, "start": START, "steps": STEPS}
    result = run_race(RaceRequest.model_validate({**body, "optimizers": [{"name": name, **hp}]}))
    (racer,) = result.racers
    expected = reference(name, hp, STEPS)
    assert np.abs(np.array(racer.path) - expected).max() < 1e-6
    losses = 0.5 * (expected[:, 0] ** 2 + KAPPA * expected[:, 1] ** 2)
    assert np.abs(np.array(racer.loss) - losses).max() < 1e-6


def _rate(path: list[tuple[float, float]], window: int = 100) -> float:
    """Per-step contraction of |theta| over the last `window` steps."""
    end, begin = np.linalg.norm(path[-1]), np.linalg.norm(path[-1 - window])
    return float((end / begin) ** (1 / window))


def test_heavy_ball_converges_at_the_closed_form_rate_and_beats_plain_descent() -> None:
    kappa, steps = 100.0, 600
    fn = surface("quadratic")
    params = fn.resolve({"condition": kappa})
    root = math.sqrt(kappa)
    # The best plain step and the best heavy ball (Goh 2017, REFERENCE.md), for L = kappa, mu = 1.
    plain_lr = 2 / (kappa + 1)
    ball_lr, ball_mu = (2 / (root + 1)) ** 2, ((root - 1) / (root + 1)) ** 2
    plain = Racer(name="sgd", lr=plain_lr).training()
    ball = Racer(name="sgd", lr=ball_lr, momentum=ball_mu).training()
    # Starting on both eigen-directions, so that the slowest one shows.
    plain_path, _, _ = descend(fn, params, (1.0, 1.0), plain, steps)
    ball_path, _, _ = descend(fn, params, (1.0, 1.0), ball, steps)
    assert _rate(plain_path) == pytest.approx((kappa - 1) / (kappa + 1), rel=0.01)
    # The optimal heavy ball has a double eigenvalue: |theta_k| ~ k r^k, so the measured rate
    # sits a little above r over a finite window.
    assert _rate(ball_path) == pytest.approx((root - 1) / (root + 1), rel=0.02)
    assert np.linalg.norm(ball_path[-1]) < 1e-20 < np.linalg.norm(plain_path[-1])


def test_a_race_runs_every_function_with_five_racers_from_its_default_start() -> None:
    racers = [
        {"name": "sgd", "lr": 0.001},
        {"name": "sgd", "label": "momentum", "lr": 0.001, "momentum": 0.9},
        {"name": "rmsprop", "lr": 0.01},
        {"name": "adam", "lr": 0.05},
        {"name": "adamw", "lr": 0.05},
    ]
    for name, fn in SURFACES.items():
        result = run_race(RaceRequest.model_validate({"function": name, "optimizers": racers}))
        assert result.start == fn.start and len(result.racers) == 5
        assert [r.label for r in result.racers][:2] == ["sgd", "momentum"]
        for racer in result.racers:
            taken = len(racer.path) - 1 if racer.stopped_at is None else racer.stopped_at - 1
            assert len(racer.path) == taken + 1 and len(racer.loss) >= len(racer.path)
        assert len(result.surface.z) == len(result.surface.y) and len(result.surface.z[0]) == len(
            result.surface.x
        )


def test_adam_reaches_the_rosenbrock_valley_and_a_huge_step_is_said_to_diverge() -> None:
    body = {
        "function": "rosenbrock",
        "steps": 2000,
        "optimizers": [{"name": "adam", "lr": 0.05}, {"name": "sgd", "lr": 1.0}],
    }
    adam, sgd = run_race(RaceRequest.model_validate(body)).racers
    assert adam.stopped_at is None and adam.loss[-1] < 0.01
    assert sgd.stopped_at is not None and sgd.stopped_at < 20


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"function": "nope"}, "function", "unknown function 'nope'"),
        ({"function": "quadratic", "params": {"condition": 0}}, "params", "between 1 and 1000"),
        ({"function": "quadratic", "params": {"tilt": 1}}, "params", "no parameter 'tilt'"),
        (
            {"function": "quadratic", "optimizers": [{"name": "adam", "momentum": 0.9}]},
            "optimizers[0]",
            "adam does not take momentum",
        ),
        (
            {"function": "quadratic", "optimizers": [{"name": "sgd", "nesterov": True}]},
            "optimizers[0]",
            "nesterov needs momentum",
        ),
    ],
)
def test_a_race_that_cannot_run_says_which_field(
    body: dict[str, Any], field: str, words: str
) -> None:
    request = RaceRequest.model_validate({"optimizers": [{"name": "sgd"}], **body})
    with pytest.raises(RaceError) as caught:
        run_race(request)
    (error,) = caught.value.errors
    assert error.field == field and words in error.message
