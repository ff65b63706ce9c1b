"""The lessons as a whole: every concept of the lecture, panels that apply, a guide kept current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.analysis import validate_network
from models.datasets import load_dataset
from models.lessons import PRESETS
from models.lessons.docs import render
from models.probes.dispatch import split_topic
from models.probes.registry import PROBES
from tests.models.lesson_runs import run_of, runs_of

COMPARED = {6, 8, 10, 11, 12, 25}  # the lecture's comparisons: runs that differ in one thing


def test_every_concept_of_the_lecture_has_a_lesson_in_its_order() -> None:
    orders = [p["lesson"]["order"] for p in PRESETS.values()]
    assert set(orders) == set(range(1, 29)) and orders == sorted(orders)
    for name, preset in PRESETS.items():
        if preset["lesson"]["order"] in COMPARED:
            assert runs_of(name) >= 2, name


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_panel_a_lesson_opens_applies_to_its_node_and_data(name: str) -> None:
    for which in range(runs_of(name)):
        run = run_of(name, which)
        info = load_dataset(run["dataset"]["name"], run["dataset"]["params"]).info
        report = validate_network(run["network"], dataset=info)
        assert report.valid, (name, report.errors)
        types = {n["id"]: n["type"] for n in run["network"]["nodes"]}
        for topic in PRESETS[name]["lesson"]["panels"]:
            probe, node = split_topic(topic)
            rules = PROBES[probe].applies
            assert rules.fits_dataset(info), (name, topic)
            if node is not None:
                shape, params = report.nodes[node].shape or [], report.nodes[node].params
                assert rules.fits_node(types[node], shape, params), (name, topic)


def test_each_comparison_starts_runs_with_names_of_their_own() -> None:
    for name in PRESETS:
        names = [run_of(name, i)["name"] for i in range(runs_of(name))]
        assert len(set(names)) == len(names), name


def test_the_lessons_guide_is_current() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "lessons.md"
    assert path.read_text(encoding="utf-8") == render(), "run: python -m models.lessons.docs"


# An optimizer's own settings: SGD with momentum is another optimizer, as the lecture has it.
OPTIMIZER_OWN = {"optimizer", "momentum", "nesterov", "alpha", "beta1", "beta2", "eps", "dampening"}


def _differences(runs: list[dict[str, Any]]) -> set[str]:
    """The fields in which a comparison's runs differ: a training or dataset key, or the network."""
    fields: set[str] = set()
    first, *others = runs
    for other in others:
        if other["network"] != first["network"]:
            fields.add("network")
        for part in ("training", "dataset"):
            keys = set(first[part]) | set(other[part])
            changed = {k for k in keys if first[part].get(k) != other[part].get(k)}
            if part == "training" and changed & OPTIMIZER_OWN:
                changed = {"optimizer"} | (changed - OPTIMIZER_OWN)
            fields |= {f"{part}.{k}" for k in changed}
    return fields


@pytest.mark.parametrize("name", [n for n in PRESETS if runs_of(n) > 1])
def test_a_comparison_s_runs_differ_in_one_field(name: str) -> None:
    runs = [run_of(name, i) for i in range(runs_of(name))]
    assert len(_differences(runs)) == 1, (name, _differences(runs))
