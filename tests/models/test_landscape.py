"""Loss slices against linear regression's analytic quadratic; filter norms; nothing touched."""

from __future__ import annotations

import copy
import itertools
import math

import pytest
import torch
from torch import nn

from models.landscape import (
    Landscape,
    LandscapeOptions,
    Slice,
    axis,
    filter_normalized,
    flatten,
    slice_cells,
    snapshot,
    trajectory,
)
from models.train import SNAPSHOT_FIRST_EVERY, SNAPSHOTS, Trainer
from tests.models.helpers import chain, mlp


def test_a_linear_regression_slice_is_its_analytic_quadratic() -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 1).double()
    x, y = torch.randn(64, 3, dtype=torch.float64), torch.randn(64, 1, dtype=torch.float64)

    def mse(m: nn.Module) -> torch.Tensor:
        return ((m(x) - y) ** 2).mean()

    centre = snapshot(model)
    gen = torch.Generator().manual_seed(1)
    delta = filter_normalized(centre, gen, keep_vectors=True)
    eta = filter_normalized(centre, gen, keep_vectors=True)
    grid = Slice(alphas=axis(5, 1.0), betas=axis(5, 1.0))
    list(slice_cells(model, mse, centre, (delta, eta), grid))
    # r(a, b) = r0 + a u + b v, so L is a quadratic in (a, b) with these coefficients.
    r0 = x @ centre["weight"].T + centre["bias"] - y
    u = x @ delta["weight"].T + delta["bias"]
    v = x @ eta["weight"].T + eta["bias"]
    for (i, b), (j, a) in itertools.product(enumerate(grid.betas), enumerate(grid.alphas)):
        analytic = ((r0 + a * u + b * v) ** 2).mean()
        assert abs(grid.rows[i][j] - float(analytic)) < 1e-5


def test_each_direction_filter_has_the_norm_of_the_weight_filter() -> None:
    conv = nn.Conv2d(3, 8, 3)
    dense = nn.Linear(10, 4)
    params = {
        "conv.weight": conv.weight.detach(),
        "conv.bias": conv.bias.detach(),  # type: ignore[union-attr]
        "dense.weight": dense.weight.detach(),
    }
    direction = filter_normalized(params, torch.Generator().manual_seed(0))
    for name in ("conv.weight", "dense.weight"):
        w, d = params[name], direction[name]
        for i in range(len(w)):
            assert torch.allclose(d[i].norm(), w[i].norm(), rtol=1e-5)
        assert not torch.allclose(d, w)  # a random direction, not the weights themselves
    assert torch.count_nonzero(direction["conv.bias"]) == 0  # biases: zero by default
    kept = filter_normalized(params, torch.Generator().manual_seed(0), keep_vectors=True)
    assert torch.allclose(kept["conv.bias"].norm(), params["conv.bias"].norm(), rtol=1e-5)


def test_a_slice_leaves_weights_statistics_and_generators_untouched_and_stays_centred() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 3),
    )
    model.train()
    x, labels = torch.randn(16, 1, 8, 8), torch.randint(0, 3, (16,))
    model(x)  # batch-norm statistics that are not the initial ones

    def loss(m: nn.Module) -> torch.Tensor:
        return nn.functional.cross_entropy(m(x), labels)

    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    centre = snapshot(model)
    weights = dict(model.named_parameters())
    gen = torch.Generator().manual_seed(3)
    directions = (filter_normalized(weights, gen), filter_normalized(weights, gen))
    alone = Slice(alphas=axis(4, 0.5), betas=axis(4, 0.5))
    list(slice_cells(model, loss, centre, directions, alone))
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert torch.equal(torch.get_rng_state(), rng) and model.training
    # Training between points moves the live weights; the slice stays around its centre.
    interleaved = Slice(alphas=alone.alphas, betas=alone.betas)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for computed in slice_cells(model, loss, centre, directions, interleaved, budget_s=0.0):
        assert computed == 1  # no time to spare: one point at a time
        optimizer.zero_grad()
        loss(model).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    assert torch.allclose(torch.tensor(interleaved.rows), torch.tensor(alone.rows), atol=1e-6)
    assert not torch.equal(model[0].weight, before["0.weight"])  # training did move them


def test_a_trajectory_on_a_plane_is_recovered_with_its_distances() -> None:
    gen = torch.Generator().manual_seed(0)
    final = torch.randn(500, generator=gen, dtype=torch.float64)
    e1, e2 = torch.linalg.qr(torch.randn(500, 2, generator=gen, dtype=torch.float64))[0].T
    points = [(3.0, 1.0), (2.0, 0.5), (1.0, 0.4), (0.5, 0.1)]
    snapshots = [final + a * e1 + b * e2 for a, b in points]
    coords, explained = trajectory(snapshots, final)
    assert abs(sum(explained) - 1.0) < 1e-9 and explained[0] >= explained[1]
    for i, j in itertools.combinations(range(len(points)), 2):
        d_true = torch.dist(torch.tensor(points[i]), torch.tensor(points[j]))
        d_seen = torch.dist(torch.tensor(coords[i]), torch.tensor(coords[j]))
        assert abs(float(d_true) - float(d_seen)) < 1e-9
    assert flatten({"b": torch.ones(2), "a": torch.zeros(3)}).tolist() == [0, 0, 0, 1, 1]


def test_a_diverged_snapshot_is_left_off_the_path_and_diverged_weights_have_no_slice() -> None:
    model = nn.Linear(3, 1)
    x, y = torch.randn(16, 3), torch.randn(16, 1)

    def loss(m: nn.Module) -> torch.Tensor:
        return nn.functional.mse_loss(m(x), y)

    now = flatten(dict(model.named_parameters())).detach()
    diverged = torch.full_like(now, math.nan)
    for plane in ("random", "trajectory"):
        options = LandscapeOptions(grid=3, samples=16, plane=plane)
        land = Landscape(model, loss, options, [now + 1.0, diverged, now + 0.5])
        assert len(land.path) == 3 and all(map(math.isfinite, itertools.chain(*land.path)))
    with torch.no_grad():
        model.weight[0, 0] = math.inf
    with pytest.raises(ValueError, match="diverged"):
        Landscape(model, loss, LandscapeOptions(grid=3, samples=16), [now])


def test_a_long_run_has_a_path_early_and_keeps_one_that_spans_it() -> None:
    trainer = Trainer(mlp([8]), "xor", {"max_steps": 1_000_000, "seed": 0})
    for _ in range(2):
        trainer.step(SNAPSHOT_FIRST_EVERY, evaluate=False)
    # Saved weights after a hundred steps of a million: a trajectory to draw already.
    assert len(trainer.snapshots) == 3
    for _ in range(SNAPSHOTS * 3):
        trainer.step(SNAPSHOT_FIRST_EVERY, evaluate=False)
    steps = trainer.step_count
    kept = len(trainer.snapshots)
    assert SNAPSHOTS // 2 <= kept <= SNAPSHOTS
    # Evenly spaced from step 0 to now: each gap the same number of steps.
    gap = trainer._snapshot_every
    assert (kept - 1) * gap <= steps < kept * gap


def test_a_run_s_landscape_leaves_its_optimizer_state_and_training_exactly_as_they_were() -> None:
    """Adam's moments, batch-norm statistics, the batch order and the weights after it."""
    network = chain(
        ("linear", {"out_features": 16}),
        ("batchnorm", {}),
        ("relu", {}),
        ("linear", {"out_features": 2}),
    )
    body = {"max_steps": 1_000, "seed": 3, "optimizer": "adam", "lr": 0.01}
    probed, twin = Trainer(network, "spiral", body), Trainer(network, "spiral", body)
    for trainer in (probed, twin):
        trainer.step(30, evaluate=False)
    before = copy.deepcopy(probed.optimizer.state_dict())
    rng = torch.get_rng_state()
    probed.landscape(LandscapeOptions(grid=5, samples=64)).finish()
    after = probed.optimizer.state_dict()
    assert before["param_groups"] == after["param_groups"]
    for key, state in before["state"].items():
        for name, value in state.items():
            assert torch.equal(value, after["state"][key][name]), (key, name)
    assert torch.equal(torch.get_rng_state(), rng)
    # The next steps are the steps it would have taken without the slice, to the bit.
    for trainer in (probed, twin):
        trainer.step(20, evaluate=False)
    twin_state = twin.model.state_dict()
    for name, value in probed.model.state_dict().items():
        assert torch.equal(value, twin_state[name]), name
