"""The optimizer race against hand-written update rules (REFERENCE.md) and the heavy ball's rate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from models.race import RaceError, Racer, RaceRequest, descend, run_race
from models.surfaces import SURFACES, surface
from tests.models.race_reference import KAPPA, RACERS, START, STEPS, rate, reference


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
    assert rate(plain_path) == pytest.approx((kappa - 1) / (kappa + 1), rel=0.01)
    # The optimal heavy ball has a double eigenvalue: |theta_k| ~ k r^k, so the measured rate
    # sits a little above r over a finite window.
    assert rate(ball_path) == pytest.approx((root - 1) / (root + 1), rel=0.02)
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
