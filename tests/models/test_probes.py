"""Probes against exact cases: the ERF of stacked all-ones convolutions, and no side effects."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from models.build import build_network
from models.probes import (
    activation_stats,
    confusion,
    decision_boundary,
    effective_receptive_field,
    feature_maps,
    gradient_stats,
    predictions,
    segmentation_masks,
    tiled,
    weight_stats,
)
from models.probes.dispatch import ProbeError, run_probe
from models.probes.erf import erf_map, spread
from models.train import Trainer
from tests.models.helpers import chain, mlp


def conv_stack(n: int, dilation: int = 1, init: str = "ones", channels: int = 1) -> dict[str, Any]:
    layers = [
        (
            "conv2d",
            {
                "out_channels": channels,
                "kernel_size": 3,
                "padding": dilation,
                "dilation": dilation,
                "bias": False,
                "init": init,
            },
        )
        for _ in range(n)
    ]
    return chain(*layers, loss="mse")


def binomial3(n: int) -> list[int]:
    """Coefficients of (1 + x + x^2)^n."""
    coeffs = [1]
    for _ in range(n):
        coeffs = [
            sum(coeffs[i - j] for j in range(3) if 0 <= i - j < len(coeffs))
            for i in range(len(coeffs) + 2)
        ]
    return coeffs


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_erf_of_all_ones_stack_is_the_trinomial(n: int) -> None:
    size = 2 * n + 9
    net = build_network(conv_stack(n), [1, size, size])
    weights = erf_map(net, f"n{n - 1}", torch.randn(4, 1, size, size))
    profile = torch.tensor(binomial3(n), dtype=torch.float64)
    expected = torch.outer(profile, profile)
    centre = (size - 1) // 2
    window = weights[centre - n : centre + n + 1, centre - n : centre + n + 1].double()
    assert torch.allclose(window / window.max(), expected / expected.max(), atol=1e-6)
    assert float(weights.sum()) == pytest.approx(float(window.sum()))  # nothing outside the field
    _, _, sy, sx = spread(weights)
    assert sy == pytest.approx(math.sqrt(2 * n / 3), abs=1e-6)
    assert sx == pytest.approx(math.sqrt(2 * n / 3), abs=1e-6)


def test_dilation_2_doubles_sigma() -> None:
    n, size = 3, 41
    plain = spread(
        erf_map(build_network(conv_stack(n), [1, size, size]), "n2", torch.ones(1, 1, size, size))
    )
    wide = spread(
        erf_map(
            build_network(conv_stack(n, dilation=2), [1, size, size]),
            "n2",
            torch.ones(1, 1, size, size),
        )
    )
    assert wide[2] == pytest.approx(2 * plain[2], abs=1e-6)


def test_random_weights_erf_grows_like_sqrt_depth() -> None:
    """Averaged over weight draws, the g^2 map's sigma doubles from 4 to 16 layers.

    (With |g| the map is the square root of that variance map, whose sigma ratio
    for n = 4 vs 16 is 2.22 exactly, by the trinomial; g^2 gives 2.)
    """
    size = 64

    def sigma(n: int) -> float:
        total = torch.zeros(size, size, dtype=torch.float64)
        for seed in range(24):
            net = build_network(
                conv_stack(n, init="kaiming", channels=4), [1, size, size], seed=seed
            )
            total += erf_map(
                net,
                f"n{n - 1}",
                torch.randn(2, 1, size, size, generator=torch.Generator().manual_seed(seed)),
                "square",
            ).double()
        _, _, sy, sx = spread(total)
        return (sy + sx) / 2

    ratio = sigma(16) / sigma(4)
    assert ratio == pytest.approx(2.0, rel=0.1)


def test_erf_probe_reports_the_theoretical_box_and_coverage() -> None:
    net = build_network(conv_stack(2), [1, 15, 15])
    result = effective_receptive_field(net, "n1", torch.ones(2, 1, 15, 15))
    assert result.meta["rf_size"] == [5.0, 5.0] and result.meta["rf_box"] == [5, 5, 9, 9]
    assert 0 < result.meta["coverage"] <= 1
    assert result.arrays["erf"].shape == (15, 15) and float(result.arrays["erf"].max()) == 1.0


def digits_trainer() -> Trainer:
    spec = chain(
        ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("batchnorm", {}),
        ("relu", {}),
        ("dropout", {"p": 0.3}),
        ("flatten", {}),
        ("linear", {"out_features": 10}),
    )
    return Trainer(spec, "digits", {"seed": 3, "batch_size": 16})


def test_probes_leave_training_bit_identical() -> None:
    plain, probed = digits_trainer(), digits_trainer()
    plain.step(100, evaluate=False)
    x, y = probed.data.x_test[:32], probed.data.y_test[:32]
    for _ in range(10):
        probed.step(10, evaluate=False)
        net = probed.model
        activation_stats(net, "n2", x)
        feature_maps(net, "n0", x[0])
        weight_stats(net, "n0")
        gradient_stats(net, probed.objective, x, y, "n0")
        effective_receptive_field(net, "n0", x)
        predictions(net, x, y)
        confusion(net, x, y, 10)
        assert net.training
    for a, b in zip(
        plain.model.state_dict().values(), probed.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    assert all(
        p.grad is None or torch.equal(p.grad, q.grad)
        for p, q in zip(probed.model.parameters(), plain.model.parameters(), strict=True)
    )


def test_probe_shapes_and_ranges_on_a_cnn() -> None:
    trainer = digits_trainer()
    trainer.step(20, evaluate=False)
    net, x, y = trainer.model, trainer.data.x_test[:64], trainer.data.y_test[:64]
    act = activation_stats(net, "n2", x)
    assert 0 <= act.meta["dead_fraction"] <= 1 and sum(act.meta["hist_counts"]) == 64 * 4 * 8 * 8
    maps = feature_maps(net, "n0", x[0])
    assert maps.arrays["maps"].shape == (4, 8, 8) and maps.arrays["maps"].dtype == torch.uint8
    filters = weight_stats(net, "n0").arrays["filters"]
    assert filters.shape == (4, 1, 3, 3)
    grads = gradient_stats(net, trainer.objective, x, y, "n5")
    assert set(grads.meta["norms"]) == {"n0", "n1", "n5"} and grads.meta["hist_counts"]
    matrix = confusion(net, x, y, 10).arrays["matrix"]
    assert matrix.shape == (10, 10) and float(matrix.sum()) == 64
    preds = predictions(net, x, y, k=8)
    assert len(preds.meta["pred"]) == 8 and all(0 <= p <= 1 for p in preds.meta["prob"])


def test_decision_boundary_and_neuron_maps() -> None:
    trainer = Trainer(mlp([5, 3], act="tanh"), "spiral")
    trainer.step(50, evaluate=False)
    result = decision_boundary(trainer.model, resolution=16)
    assert result.arrays["output"].shape == (16, 16)
    assert float(result.arrays["output"].min()) >= 0 and float(result.arrays["output"].max()) <= 1
    assert result.arrays["neurons:n1"].shape == (5, 16, 16) and result.arrays[
        "neurons:n3"
    ].shape == (3, 16, 16)
    sat = activation_stats(trainer.model, "n1", trainer.data.x_test)
    assert 0 <= sat.meta["saturated_fraction"] <= 1


def test_segmentation_masks_and_iou() -> None:
    spec = chain(("conv2d", {"out_channels": 5, "kernel_size": 3, "padding": 1}))
    trainer = Trainer(spec, "segmentation", dataset_params={"n_samples": 40, "image_size": 16})
    x, y = trainer.data.x_test, trainer.data.y_test
    result = segmentation_masks(trainer.model, x, y, 5, k=2)
    assert result.arrays["pred"].shape == (2, 16, 16) and result.arrays["true"].shape == (2, 16, 16)
    assert len(result.meta["iou"]) == 5
    assert all(v is None or 0 <= v <= 1 for v in result.meta["iou"])


def test_scenes_tile_into_larger_ones_in_reading_order() -> None:
    x = torch.arange(8.0).reshape(8, 1, 1, 1).expand(8, 1, 2, 2)  # scene i is all i
    big = tiled(x, 2)
    assert big.shape == (2, 1, 4, 4)
    assert big[0, 0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    assert tiled(x[:, 0], 2).shape == (2, 4, 4)  # label maps, [N, H, W]
    assert torch.equal(tiled(x, 1), x)


def test_the_segmentation_probe_labels_larger_scenes_made_of_test_scenes() -> None:
    spec = chain(("conv2d", {"out_channels": 5, "kernel_size": 3, "padding": 1}))
    trainer = Trainer(spec, "segmentation", dataset_params={"n_samples": 100, "image_size": 16})
    big = run_probe(trainer, "segmentation", options={"image_size": 32})
    assert big.meta["image_size"] == 32 and big.arrays["pred"].shape[1:] == (32, 16 * 2)
    with pytest.raises(ProbeError, match="image_size"):
        run_probe(trainer, "segmentation", options={"image_size": 256})  # 256 scenes needed
    # A network that answers one score per class for the whole image labels no pixel.
    classifier = Trainer(chain(("flatten", {}), ("linear", {"out_features": 10})), "digits")
    x = classifier.data.x_test[:4]
    with pytest.raises(ValueError, match="fully convolutional"):
        segmentation_masks(classifier.model, x, torch.zeros(4, 8, 8, dtype=torch.long), 10)


def test_probes_on_a_residual_network() -> None:
    spec = chain(
        ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("add", {}),
        ("global_avgpool", {}),
        ("linear", {"out_features": 10}),
    )
    spec["edges"].append({"source": "n1", "target": "n3"})  # the skip around the second conv
    trainer = Trainer(spec, "digits")
    trainer.step(10, evaluate=False)
    x = trainer.data.x_test[:16]
    erf = effective_receptive_field(trainer.model, "n3", x)
    assert erf.meta["rf_size"] == [5.0, 5.0]
    assert erf.arrays["erf"].shape == (8, 8) and float(erf.arrays["erf"].max()) == 1.0
    maps = feature_maps(trainer.model, "n3", x[0])
    assert maps.arrays["maps"].shape == (4, 8, 8)
    act = activation_stats(trainer.model, "n3", x)
    assert act.meta["output_shape"] == [4, 8, 8] and act.meta["dead_fraction"] is None
