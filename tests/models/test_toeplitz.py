"""A layer's dense matrix: T x + b is the layer's output; a convolution's is Toeplitz."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from models.layers import LAYERS
from models.probes.dispatch import ProbeError, run_probe
from models.probes.toeplitz import MatrixTooLargeError, layer_matrix
from models.train import Trainer
from tests.models.helpers import chain


@pytest.mark.parametrize(
    ("kind", "params", "shape"),
    [
        ("conv2d", {"out_channels": 3, "kernel_size": 3}, (2, 5, 6)),
        ("conv2d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1}, (1, 7, 7)),
        (
            "conv2d",
            {"out_channels": 4, "kernel_size": [2, 3], "dilation": 2, "groups": 2},
            (2, 8, 9),
        ),
        ("locally_connected2d", {"out_channels": 2, "kernel_size": 3, "padding": 1}, (2, 4, 5)),
        ("linear", {"out_features": 5}, (7,)),
    ],
)
def test_multiplying_by_the_matrix_is_the_layer(
    kind: str, params: dict[str, Any], shape: tuple[int, ...]
) -> None:
    layer = LAYERS[kind]
    module = layer.build(layer.parse(params), [shape]).double()
    matrix, bias = layer_matrix(module, shape)
    x = torch.randn(4, *shape, dtype=torch.float64)
    expected = module(x).reshape(4, -1)
    assert torch.allclose(x.reshape(4, -1) @ matrix.T + bias, expected, atol=1e-12)


def test_a_convolution_matrix_is_its_kernel_shifted_along_every_row() -> None:
    conv = torch.nn.Conv2d(1, 1, 3, bias=False).double()
    matrix, bias = layer_matrix(conv, (1, 5, 5))
    w = conv.weight[0, 0]
    assert matrix.shape == (9, 25) and torch.all(bias == 0)
    for i in range(3):
        for j in range(3):
            row = torch.zeros(5, 5, dtype=torch.float64)
            row[i : i + 3, j : j + 3] = w
            assert torch.equal(matrix[i * 3 + j], row.flatten())  # shared weights, shifted
    assert int((matrix != 0).sum()) == 9 * 9  # each output sees 9 of the 25 pixels


def test_a_locally_connected_matrix_has_the_same_zeros_but_its_own_weights_per_row() -> None:
    layer = LAYERS["locally_connected2d"]
    module = layer.build(
        layer.parse({"out_channels": 1, "kernel_size": 3, "bias": False}), [(1, 5, 5)]
    )
    matrix, _ = layer_matrix(module, (1, 5, 5))
    assert int((matrix != 0).sum()) == 9 * 9
    first = matrix[0].reshape(5, 5)[0:3, 0:3]
    second = matrix[1].reshape(5, 5)[0:3, 1:4]
    assert not torch.equal(first, second)  # unshared: a shifted row is not the same window


def test_a_matrix_too_large_to_draw_is_refused_in_words() -> None:
    conv = torch.nn.Conv2d(16, 16, 3, padding=1)
    with pytest.raises(MatrixTooLargeError, match="entries"):
        layer_matrix(conv, (16, 32, 32))


def test_the_probe_draws_a_convolution_on_a_small_input_and_counts_its_zeros() -> None:
    spec = chain(
        ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("flatten", {}),
        ("linear", {"out_features": 10}),
    )
    trainer = Trainer(spec, "digits", {"seed": 0})
    result = run_probe(trainer, "conv_matrix:n0", options={"size": 4})
    assert result.meta["input_shape"] == [1, 4, 4]
    assert result.arrays["matrix"].shape == (4 * 16, 16)
    # 3x3 windows over a 4x4 image padded by 1: 4 corners see 4 pixels, 8 edges 6, 4 inner 9.
    assert result.meta["nonzero"] == 4 * (4 * 4 + 8 * 6 + 4 * 9)
    with pytest.raises(ProbeError, match="size"):
        run_probe(trainer, "conv_matrix:n0", options={"size": 0})
    assert run_probe(trainer, "conv_matrix:n2").arrays["matrix"].shape == (10, 4 * 64)
    for node in ("in", "n1", "out"):  # no input, or not a linear layer: said, not a crash
        with pytest.raises(ProbeError, match="matrix equals only"):
            run_probe(trainer, f"conv_matrix:{node}")
