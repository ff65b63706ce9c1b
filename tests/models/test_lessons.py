"""What the lessons claim, on the real models, with wide margins."""

from __future__ import annotations

import itertools
import math
from functools import cache

import pytest
import torch

from models.analysis import validate_network
from models.lessons.cnns import ERF_LAYERS
from models.presets import PRESETS
from models.probes.dispatch import run_probe
from models.probes.erf import effective_receptive_field, erf_map, spread
from models.probes.normalization import normalization_axes
from models.probes.params import gradient_stats
from models.probes.predictions import segmentation_masks
from models.probes.shift import shift_test
from models.probes.toeplitz import conv_matrix
from models.train import Trainer
from tests.models.helpers import chain
from tests.models.lesson_runs import fields, run_of, surface, tensor, trained


@pytest.mark.parametrize("seed", [0, 4])
def test_the_plain_deep_net_sits_on_a_flat_plateau_and_the_residual_one_descends(
    seed: int,
) -> None:
    plain = trained("residual-vs-plain", seed, 500, which=0)
    residual = trained("residual-vs-plain", seed, 500, which=1)
    # The skips are the only difference: an add has no weights.
    count = [sum(p.numel() for p in t.model.parameters()) for t in (plain, residual)]
    assert count[0] == count[1]
    flat, basin = surface(plain), surface(residual)
    plain_eval, residual_eval = plain.evaluate(), residual.evaluate()
    # Plain: chance accuracy on two balanced classes, the loss still ln 2, and a slice as
    # wide as the weights themselves hardly moves it (seeds 0-5: half its points within
    # 0.0024 of ln 2, its whole range 0.008 to 0.43).
    assert plain_eval.test_acc is not None and plain_eval.test_acc <= 0.6
    assert float((flat - math.log(2)).abs().median()) < 0.02
    assert float(flat.max() - flat.min()) < 1.0
    # Residual: it learns the spiral (training loss after 500 steps, seeds 0-5: 0.012 to
    # 0.155) and its slice is a basin with the weights near its floor.
    assert residual_eval.train_loss < 0.2
    assert residual_eval.test_acc is not None and residual_eval.test_acc >= 0.8
    # The residual slice ranges over 26 to 62 (seeds 0-5): a basin, not a plateau.
    assert float(basin.max() - basin.min()) > 10 * max(1.0, float(flat.max() - flat.min()))
    assert float(basin[40]) <= float(basin.min()) + 0.1


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_xor_needs_a_hidden_layer(seed: int) -> None:
    linear, hidden = trained("xor-linear", seed, 300), trained("xor-hidden", seed, 300)
    linear_acc, hidden_acc = linear.evaluate().test_acc, hidden.evaluate().test_acc
    # Measured over seeds 0-3 after 300 steps: 0.37 to 0.62 without, 0.988 to 1.0 with.
    assert linear_acc is not None and linear_acc <= 0.75
    assert hidden_acc is not None and hidden_acc >= 0.95


def test_a_strided_convolution_halves_the_map_and_doubles_the_jump() -> None:
    f = fields("strided-conv")
    assert [f[c][0] for c in ("c1", "c2", "c3")] == [[8, 28, 28], [16, 14, 14], [16, 7, 7]]
    assert [f[c][2][1] for c in ("c1", "c2", "c3")] == [1, 2, 4]


def test_receptive_fields_grow_by_two_with_each_3x3_layer() -> None:
    f = fields("field-depth")
    assert [f[c][2][0] for c in ("c1", "c2", "c3")] == [3, 5, 7]


def test_dilations_1_2_4_give_fields_3_7_15_with_the_same_weights() -> None:
    f = fields("dilated-conv")
    assert [f[c][2][0] for c in ("c1", "c2", "c3")] == [3, 7, 15]
    assert f["c2"][1] == f["c3"][1] == 8 * 8 * 9 + 8


def test_two_3x3_convolutions_see_5x5_with_18_weights_against_25() -> None:
    two, one = fields("vgg-3x3", 0), fields("vgg-3x3", 1)
    assert two["c2"][2][0] == one["c1"][2][0] == 5
    weights = 16 * 16  # channel pairs; the biases aside
    assert two["c1"][1] + two["c2"][1] - 2 * 16 == 18 * weights == 4608
    assert one["c1"][1] - 16 == 25 * weights == 6400
    # Three 3x3 layers see 7x7 with 27 weights per channel pair against 49.
    three = chain(*[("conv2d", {"out_channels": 1, "kernel_size": 3, "bias": False})] * 3)
    seven = chain(("conv2d", {"out_channels": 1, "kernel_size": 7, "bias": False}))
    for spec, size, count in ((three, 7, 27), (seven, 7, 49)):
        report = validate_network(spec, [1, 28, 28])
        last = [n for n in report.nodes if n.startswith("n")][-1]
        assert report.nodes[last].receptive_field is not None
        assert report.nodes[last].receptive_field["size"] == [size, size]
        assert report.total_params == count


@pytest.mark.parametrize("preset", ["strided-conv", "field-depth", "dilated-conv", "vgg-3x3"])
def test_the_field_lessons_train_on_their_data(preset: str) -> None:
    for which in range(len(PRESETS[preset].get("runs") or [None])):
        trainer = trained(preset, 0, 30, which)
        assert math.isfinite(trainer.evaluate().train_loss)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_through_five_sigmoids_the_gradient_vanishes_and_large_weights_saturate(seed: int) -> None:
    small, large = (
        trained("sigmoid-saturation", seed, 0, 0),
        trained("sigmoid-saturation", seed, 0, 1),
    )
    x, y = small.data.x_test[:256], small.data.y_test[:256]
    norms = gradient_stats(small.model, small.objective, x, y).meta["norms"]
    # Small weights (PyTorch's default): fc's gradient is 1,588 to 32,579 times h1's.
    assert norms["fc"] / norms["h1"] > 100
    with torch.no_grad():
        hidden = large.model.forward_nodes(x, [f"s{i}" for i in range(1, 6)])
    values = torch.cat([v.flatten() for v in hidden.values()])
    # Large weights, N(0, 4): 59% to 68% of the units below 0.1 or above 0.9.
    assert float(((values < 0.1) | (values > 0.9)).float().mean()) > 0.5


def test_a_shared_convolution_needs_64_times_fewer_weights_than_unshared_filters() -> None:
    conv, local, dense = (fields("sharing-weights", i)["c1"] for i in range(3))
    # The same 8 x 8 x 8 output from a 1 x 8 x 8 digit.
    assert conv[0] == local[0] == [8, 8, 8] and dense[0] == [512]
    assert conv[1] == 8 * 9 + 8 == 80  # one 3x3 filter per channel, shared over 64 places
    assert local[1] == 64 * (8 * 9 + 8) == 5120  # the same, at each of the 64 places
    assert dense[1] == 64 * 512 + 512 == 33280  # every pixel to every output
    for which in range(3):
        assert math.isfinite(trained("sharing-weights", 0, 20, which).evaluate().train_loss)


def test_the_convolution_is_its_toeplitz_matrix_times_the_input() -> None:
    trainer = trained("conv-as-matrix", 0, 30)
    frame = conv_matrix(trainer.model, "c1", 6)
    matrix, bias = frame.arrays["matrix"], frame.arrays["bias"]
    assert list(matrix.shape) == [2 * 6 * 6, 6 * 6] and frame.meta["input_shape"] == [1, 6, 6]
    x = trainer.data.x_train[:5, :, :6, :6]
    with torch.no_grad():
        out = trainer.model.module("c1")(x).flatten(1)
    assert torch.allclose(x.flatten(1) @ matrix.T + bias, out, atol=1e-5)
    # Nine shared weights per filter and row: at most 9 of each row's 36 entries are non-zero.
    assert frame.meta["nonzero"] <= 9 * 72 and frame.meta["density"] < 0.25


def test_a_multi_channel_filter_reads_every_input_channel() -> None:
    f = fields("channels")
    assert f["in"][0] == [3, 28, 28] and f["c1"][0] == [16, 28, 28] and f["c2"][0] == [32, 14, 14]
    assert f["c1"][1] == 16 * 3 * 9 + 16 and f["c2"][1] == 32 * 16 * 9 + 32
    trainer = trained("channels", 0, 10)
    assert list(tensor(trainer, "c1").shape) == [16, 3, 3, 3]


@cache
def segmenter(seed: int) -> Trainer:
    """The segmentation lesson's network trained 300 steps with this seed (the slowest lesson)."""
    return trained("segmentation-fcn", seed, 300)


@pytest.mark.xdist_group("segmenter")  # on the worker that holds the trained segmenter
@pytest.mark.parametrize("seed", [0, 1])
def test_the_fully_convolutional_net_labels_pixels_far_better_than_background_everywhere(
    seed: int,
) -> None:
    trainer = segmenter(seed)
    x, y = trainer.data.x_test, trainer.data.y_test
    learned = segmentation_masks(trainer.model, x, y, 5).meta
    # Calling every pixel background scores the background's share on it, 0 on the rest.
    share = float((y == 0).float().mean())
    baseline = share / 5
    # Seeds 0-1 after 300 steps: mean IoU 0.33 to 0.36 against 0.16; background 0.99 to 1.0.
    assert learned["iou"][0] >= 0.95
    assert learned["mean_iou"] >= 1.8 * baseline


def test_circular_stride_one_layers_shift_exactly_and_the_strided_one_does_not() -> None:
    trainer = trained("equivariance", 0, 50)
    for i in range(4):
        image = trainer.data.x_test[i]
        for pixels in (1, 3):
            assert shift_test(trainer.model, "a2", image, pixels).meta["equivariance_error"] < 1e-5
        # Zero borders and a stride of 2: a 1-pixel shift is no shift of c3's maps.
        assert shift_test(trainer.model, "c3", image, 1).meta["equivariance_error"] > 0.05


def mean_change(trainer: Trainer, node: str, samples: int = 64) -> float:
    """How much the node's output changes, relative to its size, when the input moves 1 pixel."""
    x = trainer.data.x_test
    return sum(shift_test(trainer.model, node, x[i], 1).meta["change"] for i in range(samples)) / (
        samples
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pooling_changes_less_than_the_maps_it_pools_and_mean_pooling_least(seed: int) -> None:
    ratios = []
    for which in (0, 1):
        trainer = trained("pooling-shift", seed, 100, which)
        ratios.append(mean_change(trainer, "p1") / mean_change(trainer, "a1"))
    # Seeds 0-2 after 100 steps: max pooling 0.70 to 0.83 of a1's change, mean 0.35 to 0.56.
    assert ratios[0] < 0.9 and ratios[1] < 0.7 and ratios[1] < ratios[0]


@pytest.mark.xdist_group("segmenter")
def test_the_segmenter_labels_scenes_three_times_larger_as_well() -> None:
    # The same network and training as the segmentation lesson's, trained once for both.
    assert run_of("fcn-any-size") | {"name": ""} == run_of("segmentation-fcn") | {"name": ""}
    trainer = segmenter(0)
    small = run_probe(trainer, "segmentation")
    large = run_probe(trainer, "segmentation", options={"image_size": 96})
    assert large.arrays["pred"].shape[1:] == (96, 96) and large.meta["image_size"] == 96
    # Seed 0 after 300 steps: mean IoU 0.36 on the test scenes, and on nine of them at once.
    assert large.meta["mean_iou"] >= 0.8 * small.meta["mean_iou"]
    assert large.meta["iou"][0] >= 0.95


def test_the_shapes_pixels_correlate_with_their_neighbours_and_less_with_far_ones() -> None:
    trainer = trained("pixel-correlation", 0, 0)
    meta = run_probe(trainer, "pixel_correlation").meta
    c = meta["correlation"]
    # Measured: 0.88 at 1 pixel, 0.76 at 2, ... 0.02 at 14.
    assert c[0] > 0.8 and c[-1] < 0.1
    assert all(a > b for a, b in itertools.pairwise(c))
    assert meta["fit"]["b"] > 0.5


def test_the_effective_field_grows_like_the_square_root_of_depth_inside_the_theoretical() -> None:
    maps: dict[str, torch.Tensor] = {}
    coverage: dict[str, float] = {}
    for seed in range(8):  # random weights: the claim is about their average
        trainer = trained("erf-depth", seed, 0)
        x = trainer.data.x_test[:16]
        for node in ("a2", "a8"):
            maps[node] = maps.get(node, 0) + erf_map(trainer.model, node, x, "square").double()
            coverage[node] = (
                coverage.get(node, 0.0)
                + effective_receptive_field(trainer.model, node, x).meta["coverage"] / 8
            )
    sigma = {node: sum(spread(m)[2:]) / 2 for node, m in maps.items()}
    # Four times deeper, twice as wide: measured 2.16 (sqrt 4 = 2).
    assert 1.7 < sigma["a8"] / sigma["a2"] < 2.6
    # A uniform 17-pixel field would have a std of 4.9; the effective one 2.37.
    assert sigma["a8"] < 0.6 * math.sqrt((17**2 - 1) / 12)
    # It fills less of the theoretical field as it grows: 95% of it in 88% at a2, 56% at a8.
    assert coverage["a8"] < coverage["a2"] - 0.15
    assert fields("erf-depth")["c8"][2][0] == 2 * ERF_LAYERS + 1
    # Gaussian-like: a Gaussian of the map's own centre and spread explains 87% of a8's
    # variance, the theoretical field's uniform 17 x 17 square 16%.
    fitted = {shape: explained(maps["a8"], shape) for shape in ("gaussian", "uniform")}
    assert fitted["gaussian"] > 0.75 and fitted["uniform"] < 0.4


def explained(erf: torch.Tensor, shape: str) -> float:
    """The share of an ERF map's variance a Gaussian (or the field's uniform square) explains.

    Both take the map's own centre; the Gaussian its spread too, the square the 17 x 17
    theoretical field of ERF_LAYERS 3x3 layers.
    """
    m = erf / erf.sum()
    yy, xx = torch.meshgrid(
        torch.arange(m.shape[0], dtype=m.dtype),
        torch.arange(m.shape[1], dtype=m.dtype),
        indexing="ij",
    )
    cy, cx = (m * yy).sum(), (m * xx).sum()
    if shape == "gaussian":
        sy, sx = ((m * (yy - cy) ** 2).sum()).sqrt(), ((m * (xx - cx) ** 2).sum()).sqrt()
        model = torch.exp(-((yy - cy) ** 2 / (2 * sy**2) + (xx - cx) ** 2 / (2 * sx**2)))
    else:
        half = ERF_LAYERS + 0.5
        model = (((yy - cy).abs() <= half) & ((xx - cx).abs() <= half)).to(m.dtype)
    model = model / model.sum()
    return float(1 - ((m - model) ** 2).sum() / ((m - m.mean()) ** 2).sum())


def test_each_norm_of_the_lesson_settles_its_own_axes() -> None:
    trainer = trained("normalization-axes", 0, 30)
    x = trainer.data.x_test[:64]
    own = {"bn": "batch", "ln": "layer", "gn": "group", "in1": "instance"}
    for node, grouping in own.items():
        meta = normalization_axes(trainer.model, node, x).meta
        assert meta["after"][grouping]["mean"] < 1e-5, node
        assert meta["after"][grouping]["std"] == pytest.approx(1.0, abs=0.01), node
    # Batch norm leaves each sample's statistics free; layer norm each channel's.
    bn, ln = (normalization_axes(trainer.model, n, x).meta["after"] for n in ("bn", "ln"))
    assert bn["instance"]["mean"] > 0.05 and ln["instance"]["mean"] > 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_norm_trains_the_deep_net_that_stalls_without_it(seed: int) -> None:
    plain, normed = (trained("batchnorm-deep", seed, 500, i).evaluate() for i in (0, 1))
    # Seeds 0-2 after 500 steps: plain 0.69 (chance); with batch norm 0.07 to 0.12, test
    # accuracy 0.95 to 0.98.
    assert plain.train_loss > 0.65
    assert normed.train_loss < 0.3 and normed.test_acc is not None and normed.test_acc >= 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shared_3x3_filters_read_digits_with_few_weights(seed: int) -> None:
    f = fields("digits-cnn")
    # 16 filters of 3x3 over every place: 160 weights, where a dense layer giving the same
    # 16 x 8 x 8 from the 64 pixels would need 64 * 1024 + 1024.
    assert f["c1"][0] == [16, 8, 8] and f["c1"][1] == 16 * 9 + 16 == 160
    acc = trained("digits-cnn", seed, 300).evaluate().test_acc
    # Seeds 0-2 after 300 steps: 0.97 to 0.98.
    assert acc is not None and acc >= 0.9


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_tanh_passes_back_more_than_sigmoid_and_large_weights_flatten_it(seed: int) -> None:
    small, large = (
        trained("tanh-saturation", seed, 0, 0),
        trained("tanh-saturation", seed, 0, 1),
    )
    x, y = small.data.x_test[:256], small.data.y_test[:256]
    norms = gradient_stats(small.model, small.objective, x, y).meta["norms"]
    # Small weights: fc's gradient is 3.7 to 17 times h1's (the sigmoid's: over 1,500).
    assert norms["fc"] / norms["h1"] < 50
    slopes, saturated = [], 0.0
    for trainer in (small, large):
        with torch.no_grad():
            hidden = trainer.model.forward_nodes(x, [f"s{i}" for i in range(1, 6)])
        values = torch.cat([v.flatten() for v in hidden.values()])
        slopes.append(float((1 - values**2).mean()))  # tanh' = 1 - tanh^2
        saturated = float((values.abs() > 0.9).float().mean())
    # Mean slope 0.85 to 0.89 with small weights, 0.13 to 0.15 with N(0, 4) ones, of which
    # 78% to 81% of the units sit beyond +-0.9.
    assert slopes[0] > 0.7 and slopes[1] < 0.25
    assert saturated > 0.6
