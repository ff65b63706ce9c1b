"""The shift test against exact equivariance: circular padding, borders, strides, pooling."""

from __future__ import annotations

import pytest
import torch

from models.analysis import validate_network
from models.build import Network
from models.probes.shift import shift_right, shift_test
from models.shapes import infer_shapes
from tests.models.helpers import chain


def network(
    *layers: tuple[str, dict[str, object]], shape: tuple[int, ...] = (2, 12, 12)
) -> Network:
    """A network of these layers on an input of this shape, seeded."""
    spec = chain(*layers)
    report = infer_shapes(spec, shape)
    assert report.graph is not None, report.errors
    torch.manual_seed(0)
    return Network(report.graph, {n: s for n, s in report.shapes.items() if s is not None})


def conv(**params: object) -> tuple[str, dict[str, object]]:
    return ("conv2d", {"out_channels": 3, "kernel_size": 3, "padding": 1, **params})


IMAGE = torch.rand(2, 12, 12, generator=torch.Generator().manual_seed(1))


def test_shift_right_wraps_around() -> None:
    x = torch.arange(4.0).reshape(1, 1, 4)
    assert shift_right(x, 1).flatten().tolist() == [3.0, 0.0, 1.0, 2.0]


@pytest.mark.parametrize("pixels", [1, 3, 5])
def test_circular_padding_and_stride_one_shift_the_maps_exactly(pixels: int) -> None:
    net = network(conv(padding_mode="circular"), ("relu", {}), conv(padding_mode="circular"))
    for node in ("n0", "n1", "n2"):
        meta = shift_test(net, node, IMAGE, pixels).meta
        assert meta["output_shift"] == pixels and meta["whole_shift"]
        assert meta["equivariance_error"] < 1e-6


def test_zero_padding_breaks_it_at_the_borders_and_only_there() -> None:
    net = network(conv())
    frame = shift_test(net, "n0", IMAGE, 1)
    assert frame.meta["equivariance_error"] > 1e-2
    # Away from the two columns the border touches, the maps still shift exactly.
    before, after = frame.arrays["before"], frame.arrays["after"]
    inner = (after - shift_right(before, 1))[..., 2:-1]
    assert float(inner.abs().max()) < 1e-6


def test_a_stride_of_two_shifts_by_half_and_breaks_on_an_odd_shift() -> None:
    net = network(conv(stride=2, padding_mode="circular"))
    even, odd = shift_test(net, "n0", IMAGE, 2).meta, shift_test(net, "n0", IMAGE, 1).meta
    assert even["output_shift"] == 1 and even["whole_shift"]
    assert even["equivariance_error"] < 1e-6
    assert not odd["whole_shift"] and odd["equivariance_error"] > 0.05


def test_pooling_over_the_whole_map_does_not_change_at_all() -> None:
    net = network(conv(padding_mode="circular"), ("relu", {}), ("global_avgpool", {}))
    meta = shift_test(net, "n1", IMAGE, 3).meta
    assert meta["change"] > 0.01 and meta["channels"] == 3  # the maps move
    pooled = network(
        conv(padding_mode="circular"), ("relu", {}), ("avgpool2d", {"kernel_size": 12})
    )
    assert shift_test(pooled, "n2", IMAGE, 3).meta["change"] < 1e-6


def test_reflect_padding_larger_than_the_image_is_refused_naming_the_field() -> None:
    spec = chain(("conv2d", {"out_channels": 1, "padding": 4, "padding_mode": "reflect"}))
    report = validate_network(spec, [1, 4, 4])
    assert not report.valid
    assert any(e.field == "padding" and "reflect" in e.message for e in report.errors)
