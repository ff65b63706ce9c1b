"""POST /api/race and GET /api/race/functions, through REST."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.models.race_reference import KAPPA, RACERS, START, STEPS, rate, reference


def test_the_functions_are_listed_with_their_parameters(client: TestClient) -> None:
    functions = {f["name"]: f for f in client.get("/api/race/functions").json()}
    assert set(functions) >= {"quadratic", "rosenbrock", "beale", "saddle", "himmelblau"}
    condition = functions["quadratic"]["params_schema"]["properties"]["condition"]
    assert condition["default"] == 10 and condition["maximum"] == 1000
    assert functions["rosenbrock"]["minima"] == [[1.0, 1.0]]


def test_a_race_of_five_answers_five_paths_on_its_surface(client: TestClient) -> None:
    body = {
        "function": "beale",
        "start": [1.0, 1.4],
        "steps": 300,
        "optimizers": [
            {"name": "sgd", "lr": 0.001},
            {"name": "sgd", "label": "momentum", "lr": 0.001, "momentum": 0.9},
            {"name": "sgd", "label": "nesterov", "lr": 0.001, "momentum": 0.9, "nesterov": True},
            {"name": "rmsprop", "lr": 0.01},
            {"name": "adam", "lr": 0.05},
        ],
    }
    answer = client.post("/api/race", json=body)
    assert answer.status_code == 200, answer.json()
    result = answer.json()
    assert [r["label"] for r in result["racers"]] == [
        "sgd",
        "momentum",
        "nesterov",
        "rmsprop",
        "adam",
    ]
    for racer in result["racers"]:
        assert racer["path"][0] == [1.0, 1.4] and len(racer["path"]) == 301
        assert racer["loss"][-1] < racer["loss"][0]
    assert len(result["surface"]["z"]) == len(result["surface"]["y"])


def test_a_race_that_cannot_run_names_the_field(client: TestClient) -> None:
    bad = client.post(
        "/api/race",
        json={"function": "quadratic", "optimizers": [{"name": "adam", "momentum": 0.9}]},
    )
    assert bad.status_code == 422
    (error,) = bad.json()["errors"]
    assert error["field"] == "optimizers[0]" and "adam does not take momentum" in error["message"]
    too_many = client.post(
        "/api/race", json={"function": "quadratic", "optimizers": [{"name": "sgd"}] * 9}
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "optimizers"


def test_through_rest_every_path_on_the_quadratic_is_its_update_rule(client: TestClient) -> None:
    body = {"function": "quadratic", "params": {"condition": KAPPA}, "start": START, "steps": STEPS}
    # At most eight racers a race: the reference racers in two races.
    for racers in (RACERS[:5], RACERS[5:]):
        optimizers = [{"name": name, "label": f"r{i}", **hp} for i, (name, hp) in enumerate(racers)]
        answer = client.post("/api/race", json={**body, "optimizers": optimizers})
        assert answer.status_code == 200, answer.json()
        for (name, hp), racer in zip(racers, answer.json()["racers"], strict=True):
            expected = reference(name, hp, STEPS)
            assert np.abs(np.array(racer["path"]) - expected).max() < 1e-6, (name, hp)
            losses = 0.5 * (expected[:, 0] ** 2 + KAPPA * expected[:, 1] ** 2)
            assert np.abs(np.array(racer["loss"]) - losses).max() < 1e-6, (name, hp)


def test_through_rest_the_heavy_ball_converges_at_the_closed_form_rate(client: TestClient) -> None:
    kappa, root = 100.0, 10.0
    # Goh 2017 (REFERENCE.md): the best step and momentum for L = kappa, mu = 1.
    lr, momentum = (2 / (root + 1)) ** 2, ((root - 1) / (root + 1)) ** 2
    body = {
        "function": "quadratic",
        "params": {"condition": kappa},
        "start": [1.0, 1.0],
        "steps": 600,
        "optimizers": [
            {"name": "sgd", "label": "ball", "lr": lr, "momentum": momentum},
            {"name": "sgd", "label": "plain", "lr": 2 / (kappa + 1)},
        ],
    }
    answer = client.post("/api/race", json=body)
    assert answer.status_code == 200, answer.json()
    ball, plain = (racer["path"] for racer in answer.json()["racers"])
    assert rate(ball) == pytest.approx((root - 1) / (root + 1), rel=0.02)
    assert rate(plain) == pytest.approx((kappa - 1) / (kappa + 1), rel=0.01)
