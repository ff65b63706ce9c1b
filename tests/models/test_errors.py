"""Errors read as a student reads them: the field, what it must be, and what it got."""

from __future__ import annotations

from typing import Any

import pytest

from models.analysis import validate_network
from models.errors import InvalidSpecError
from models.run import parse_run
from tests.models.helpers import mlp


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"out_features": -3}, "out_features must be at least 1 (got -3)"),
        ({"out_features": "x"}, "out_features must be a whole number (got 'x')"),
        ({"out_features": 4, "bias": "maybe"}, "bias must be true or false (got 'maybe')"),
        ({"out_features": 4, "colour": 1}, "colour is not a known field"),
    ],
)
def test_a_bad_param_says_what_it_must_be(params: dict[str, Any], message: str) -> None:
    spec = mlp([4])
    spec["nodes"][1]["params"] = params
    (error,) = validate_network(spec, [2]).errors
    assert error.node == "n0" and error.message == message
    assert "Input should" not in error.message  # not read as the input layer


def test_a_bad_training_setting_says_what_it_must_be() -> None:
    body = {"network": mlp([4]), "dataset": {"name": "spiral"}, "training": {"batch_size": 0}}
    with pytest.raises(InvalidSpecError) as info:
        parse_run(body)
    (error,) = info.value.errors
    assert error.field == "training.batch_size"
    assert error.message == "batch_size must be at least 1 (got 0)"
