"""The probe registry: where an entry says it applies, it computes; its catalog is served."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import torch

from models.presets import PRESETS
from models.probes import registry
from models.probes.dispatch import ProbeError, run_probe
from models.probes.registry import PROBES, Applies, NoOptions, ProbeDef, probe_catalog
from models.probes.result import ProbeResult
from models.train import Trainer
from tests.models.helpers import chain, mlp

CASES: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "spiral mlp": (PRESETS["spiral-mlp"]["run"]["network"], "spiral", {}),
    "plane regression": (mlp([8], out=1, loss="mse"), "plane", {}),
    "digits cnn": (PRESETS["digits-cnn"]["run"]["network"], "digits", {}),
    "normed cnn": (
        chain(
            ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
            ("batchnorm", {}),
            ("relu", {}),
            ("groupnorm", {"num_groups": 2}),
            ("instancenorm", {}),
            ("layernorm", {}),
            ("global_avgpool", {}),
            ("linear", {"out_features": 10}),
        ),
        "digits",
        {},
    ),
    "segmentation": (
        chain(
            ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
            ("relu", {}),
            ("conv2d", {"out_channels": 5, "kernel_size": 1}),
        ),
        "segmentation",
        {"n_samples": 40, "image_size": 16},
    ),
}


@cache
def trainer(case: str) -> Trainer:
    spec, dataset, params = CASES[case]
    t = Trainer(spec, dataset, {"seed": 1}, dataset_params=params)
    t.step(2)
    return t


def _topics(entry: ProbeDef[Any], t: Trainer) -> list[tuple[str, bool]]:
    """Each topic of the entry on this run, and whether its rules say it applies."""
    fits = entry.applies.fits_dataset(t.info)
    if entry.scope == "run":
        return [(entry.name, fits)]
    graph = t.model.graph
    return [
        (
            f"{entry.name}:{node}",
            fits
            and entry.applies.fits_node(
                graph.types[node],
                t.model.shapes[node],
                sum(p.numel() for p in t.model.module(node).parameters()),
            ),
        )
        for node in graph.order
    ]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", list(PROBES))
def test_a_probe_computes_wherever_its_rules_say_it_applies(case: str, name: str) -> None:
    t = trainer(case)
    weights = [p.clone() for p in t.model.parameters()]
    for topic, applies in _topics(PROBES[name], t):
        if applies:
            result = run_probe(t, topic)
            assert isinstance(result, ProbeResult) and result.meta | result.arrays, topic
    assert all(torch.equal(a, b) for a, b in zip(weights, t.model.parameters(), strict=True))


@pytest.mark.parametrize(
    ("case", "topic"),
    [
        ("digits cnn", "decision_boundary"),
        ("spiral mlp", "segmentation"),
        ("segmentation", "confusion"),
        ("plane regression", "predictions"),
        ("spiral mlp", "feature_maps:n0"),
        ("digits cnn", "erf:nope"),
        ("digits cnn", "erf"),
    ],
)
def test_where_the_dataset_or_node_does_not_fit_the_probe_says_why(case: str, topic: str) -> None:
    with pytest.raises(ProbeError) as info:
        run_probe(trainer(case), topic)
    assert len(str(info.value).split()) >= 3


def test_options_are_checked_by_the_probe_that_reads_them() -> None:
    t = trainer("digits cnn")
    with pytest.raises(ProbeError, match="reduction"):
        run_probe(t, "erf:c1", options={"reduction": "cube"})
    with pytest.raises(ProbeError, match="sample must be"):
        run_probe(t, "feature_maps:c1", options={"sample": 10**6})
    square = run_probe(t, "erf:c1", options={"reduction": "square", "sample": 3})
    assert square.arrays["erf"].max() == pytest.approx(1.0)


def test_the_catalog_says_where_each_probe_applies() -> None:
    by_name = {e["name"]: e for e in probe_catalog()}
    assert by_name["feature_maps"]["scope"] == "node"
    assert by_name["feature_maps"]["applies"]["output_rank"] == 3
    assert by_name["decision_boundary"]["applies"]["input_shape"] == [2]
    assert "sample" in by_name["feature_maps"]["params_schema"]["properties"]


def test_adding_a_probe_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new entry alone: it is catalogued and computed on demand."""

    def norm(on: registry.Probed, node: str, options: NoOptions) -> ProbeResult:
        with torch.no_grad():
            out = on.model(on.data.x_test[:8])
        return ProbeResult("output_norm", None, {"norm": float(out.norm())})

    entry = ProbeDef(
        "output_norm",
        "The norm of the output.",
        "run",
        Applies(tasks=["regression"]),
        NoOptions,
        norm,
    )
    monkeypatch.setitem(registry.PROBES, "output_norm", entry)
    assert run_probe(trainer("plane regression"), "output_norm").meta["norm"] > 0
    assert probe_catalog()[-1]["name"] == "output_norm"
