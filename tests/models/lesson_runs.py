"""The lessons' runs, trained or validated through models/, for the tests of their claims."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import torch

from models.analysis import validate_network
from models.datasets import Dataset, load_dataset
from models.landscape import LandscapeOptions
from models.presets import PRESETS
from models.train import Trainer


def run_of(preset: str, which: int = 0) -> dict[str, Any]:
    """The preset's `which`-th run body (its only one, for a one-run preset)."""
    body: dict[str, Any] = (PRESETS[preset].get("runs") or [PRESETS[preset]["run"]])[which]
    return body


def runs_of(preset: str) -> int:
    """How many runs the preset starts."""
    return len(PRESETS[preset].get("runs") or [None])


@cache
def dataset(name: str, params: str) -> Dataset:
    """A dataset made once per test process (the lessons' runs share a handful; none is changed)."""
    return load_dataset(name, json.loads(params))


def trained(preset: str, seed: int, steps: int, which: int = 0) -> Trainer:
    """The preset's run (its `which`-th, if several) trained for `steps`, with this seed."""
    run = run_of(preset, which)
    data = dataset(run["dataset"]["name"], json.dumps(run["dataset"]["params"], sort_keys=True))
    trainer = Trainer(run["network"], data, {**run["training"], "seed": seed})
    trainer.step(steps)
    return trainer


def surface(trainer: Trainer) -> torch.Tensor:
    """A 9x9 filter-normalized slice of the training loss around the weights now."""
    land = trainer.landscape(LandscapeOptions(grid=9, samples=256))
    land.finish()
    return torch.tensor(land.grid.values)


def fields(preset: str, which: int = 0) -> dict[str, tuple[list[int] | None, int, Any]]:
    """Each node's shape, parameters and receptive field (size, jump), on the preset's data."""
    run = run_of(preset, which)
    info = load_dataset(run["dataset"]["name"], run["dataset"]["params"]).info
    report = validate_network(run["network"], dataset=info)
    assert report.valid, report.errors
    out = {}
    for node, r in report.nodes.items():
        rf = r.receptive_field
        out[node] = (r.shape, r.params, rf and (rf["size"][0], rf["jump"][0]))
    return out


def tensor(trainer: Trainer, node: str, name: str = "weight") -> torch.Tensor:
    """A node's parameter (its weight, its bias...), detached."""
    value = getattr(trainer.model.module(node), name)
    assert isinstance(value, torch.Tensor), f"{node} has no {name}"
    return value.detach()
