"""POST /api/race and GET /api/race/functions, through REST."""

from __future__ import annotations

from fastapi.testclient import TestClient


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
