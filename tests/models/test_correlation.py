"""Pixel correlation against distance on image sets whose correlation is known exactly."""

from __future__ import annotations

import itertools
import os
import pickle
from pathlib import Path

import pytest
import torch

from models.datasets import load_dataset
from models.probes.correlation import pixel_correlation, power_law


def test_images_of_one_grey_each_correlate_fully_at_every_distance() -> None:
    grey = torch.rand(50, 1, 1, 1).expand(50, 1, 10, 10)
    assert pixel_correlation(grey).meta["correlation"] == pytest.approx([1.0] * 5)


def test_a_checkerboard_of_random_sign_alternates_between_minus_one_and_one() -> None:
    board = (torch.arange(8)[:, None] + torch.arange(8)[None, :]) % 2 * 2.0 - 1.0  # [8, 8]
    sign = torch.randint(0, 2, (40, 1, 1, 1)) * 2.0 - 1.0
    meta = pixel_correlation(sign * board).meta
    assert meta["distances"] == [1, 2, 3, 4]
    assert meta["correlation"] == pytest.approx([-1.0, 1.0, -1.0, 1.0])


def test_independent_noise_has_no_correlation() -> None:
    noise = torch.randn(200, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    assert max(map(abs, pixel_correlation(noise).meta["correlation"])) < 0.02


def test_the_power_law_fit_recovers_an_exact_power_law() -> None:
    d = [1, 2, 3, 4, 6, 8]
    fit = power_law(d, [2.0 * x**-0.5 for x in d])
    assert fit == pytest.approx((2.0, 0.5, 1.0))
    assert power_law([1, 2], [0.5, 0.2]) is None  # two points fit any line


@pytest.mark.parametrize(("name", "params"), [("digits", {}), ("shapes", {})])
def test_neighbouring_pixels_of_the_image_sets_correlate_and_far_ones_less(
    name: str, params: dict[str, int]
) -> None:
    meta = pixel_correlation(load_dataset(name, params).x_train).meta
    c = meta["correlation"]
    # Measured: digits 0.54, 0.08, 0.01; shapes 0.88, 0.76, 0.65 ... 0.02 at 14 pixels.
    assert c[0] > 0.5 and all(a > b for a, b in itertools.pairwise(c[:4]))
    assert c[-1] < 0.5 * c[0]
    assert meta["fit"] is not None and meta["fit"]["b"] > 0.5


def _smooth_cifar(folder: Path, n: int = 40) -> None:
    """CIFAR-10's batch files holding smooth colour images: 4x4 noise blown up to 32x32."""
    gen = torch.Generator().manual_seed(0)
    coarse = torch.rand(6 * n, 3, 4, 4, generator=gen)
    fine = torch.nn.functional.interpolate(coarse, size=(32, 32), mode="bilinear")
    rows = (fine * 255).round().to(torch.uint8).reshape(6, n, 3072).numpy()
    folder.mkdir(parents=True)
    for i, name in enumerate([*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        batch = {b"labels": [j % 10 for j in range(n)], b"data": rows[i], b"filenames": []}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))


def test_a_colour_set_in_cifar_s_files_is_measured_over_its_three_channels(tmp_path: Path) -> None:
    _smooth_cifar(tmp_path / "cifar-10-batches-py")
    data = load_dataset("cifar10", {}, tmp_path)
    assert data.x_train.shape[1:] == (3, 32, 32)
    c = pixel_correlation(data.x_train).meta["correlation"]
    # Bilinear between points 8 pixels apart: neighbours nearly equal, 16 apart independent.
    assert c[0] > 0.9 and all(a > b for a, b in itertools.pairwise(c[:8]))
    assert abs(c[15]) < 0.2


CIFAR = Path(os.environ.get("LAYERLAB_DATA_DIR", "data"))


@pytest.mark.skipif(
    not (CIFAR / "cifar-10-batches-py" / "test_batch").exists(),
    reason="CIFAR-10 is not in the data directory (it is never downloaded)",
)
def test_cifar_10_s_neighbouring_pixels_correlate_and_far_ones_less() -> None:
    meta = pixel_correlation(load_dataset("cifar10", {}, CIFAR).x_train).meta
    c = meta["correlation"]
    assert c[0] > 0.8 and all(a > b for a, b in itertools.pairwise(c[:4]))
    assert meta["fit"] is not None and meta["fit"]["b"] > 0.1
