"""Each normalization layer sets its own grouping to mean 0 and spread 1, and only that one."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from models.build import Network
from models.probes.normalization import normalization_axes, normalized
from models.shapes import infer_shapes
from tests.models.helpers import chain

OWN = {
    "batchnorm": "batch",
    "layernorm": "layer",
    "instancenorm": "instance",
    "groupnorm": "group",
}


def network(kind: str, params: dict[str, Any]) -> Network:
    """input [4, 5, 5] -> conv -> the norm layer, seeded."""
    spec = chain(("conv2d", {"out_channels": 4, "kernel_size": 1}), (kind, params))
    report = infer_shapes(spec, (4, 5, 5))
    assert report.graph is not None, report.errors
    torch.manual_seed(0)
    return Network(report.graph, {n: s for n, s in report.shapes.items() if s is not None})


FREE = {
    "batchnorm": ["layer", "instance"],
    "layernorm": ["batch", "instance"],
    "groupnorm": ["batch", "instance"],
    "instancenorm": [],
}


def settled(stats: dict[str, float]) -> bool:
    """Whether the groups have mean 0 and spread 1."""
    return stats["mean"] < 0.05 and abs(stats["std"] - 1) < 0.05


# Inputs with a different mean and scale for every sample, channel and pixel.
X = torch.randn(16, 4, 5, 5, generator=torch.Generator().manual_seed(0)) * 3 + torch.arange(
    4.0
).reshape(1, 4, 1, 1)


@pytest.mark.parametrize(
    ("kind", "params"),
    [("batchnorm", {}), ("layernorm", {}), ("instancenorm", {}), ("groupnorm", {"num_groups": 2})],
)
def test_the_layer_normalizes_its_own_grouping_exactly(kind: str, params: dict[str, Any]) -> None:
    meta = normalization_axes(network(kind, params), "n1", X).meta
    own = meta["after"][OWN[kind]]
    assert own["mean"] < 1e-6 and own["std"] == pytest.approx(1.0, abs=1e-3)
    assert not settled(meta["before"][OWN[kind]])  # it was not so before
    # A grouping the layer's does not contain stays free (a finer one normalized would
    # normalize the coarser: instance norm settles every grouping).
    for other in FREE[kind]:
        assert not settled(meta["after"][other]), other


@pytest.mark.parametrize(
    ("kind", "params"),
    [("batchnorm", {}), ("layernorm", {}), ("instancenorm", {}), ("groupnorm", {"num_groups": 2})],
)
def test_the_probe_normalizes_as_the_layer_does_before_its_scale_and_shift(
    kind: str, params: dict[str, Any]
) -> None:
    net = network(kind, params)
    module = net.module("n1")
    h = net.module("n0")(X)
    module.train()
    with torch.no_grad():
        assert torch.allclose(module(h), normalized(module, h), atol=1e-5)  # affine starts 1, 0


def test_group_norm_with_one_group_per_channel_is_instance_norm() -> None:
    meta = normalization_axes(network("groupnorm", {"num_groups": 4}), "n1", X).meta
    assert meta["after"]["instance"]["mean"] < 1e-6
    assert meta["after"]["instance"]["std"] == pytest.approx(1.0, abs=1e-3)


def test_a_layer_that_is_not_a_normalization_is_refused() -> None:
    with pytest.raises(ValueError, match="not a normalization"):
        normalization_axes(network("layernorm", {}), "n0", X)
