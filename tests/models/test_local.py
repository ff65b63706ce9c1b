"""The locally connected layer against a loop over its windows, and against conv2d."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.nn import functional as F

from models.cost import estimate_step
from models.layers import LAYERS
from models.layers.local import LocallyConnected2dModule
from models.shapes import infer_shapes
from tests.models.helpers import chain

LOCAL = LAYERS["locally_connected2d"]


def loop_reference(module: LocallyConnected2dModule, x: torch.Tensor) -> torch.Tensor:
    """Each output position's own filters applied to its window, one position at a time."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (
        module.kernel,
        module.stride,
        module.padding,
        module.dilation,
    )
    oh, ow = module.out_hw
    padded = F.pad(x, (pw, pw, ph, ph))
    out = torch.zeros(x.shape[0], module.weight.shape[1], oh, ow, dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            rows = [i * sh + a * dh for a in range(kh)]
            cols = [j * sw + b * dw for b in range(kw)]
            window = padded[:, :, rows][:, :, :, cols].reshape(x.shape[0], -1)  # [N, C*kh*kw]
            p = i * ow + j
            out[:, :, i, j] = window @ module.weight[p].T
            if module.bias is not None:
                out[:, :, i, j] += module.bias[:, p]
    return out


@pytest.mark.parametrize(
    ("params", "shape"),
    [
        ({"out_channels": 3, "kernel_size": 3}, (2, 6, 5)),
        ({"out_channels": 2, "kernel_size": [2, 3], "stride": 2, "padding": 1}, (3, 7, 8)),
        ({"out_channels": 4, "kernel_size": 3, "dilation": 2, "bias": False}, (1, 9, 9)),
    ],
)
def test_every_position_applies_its_own_filters(
    params: dict[str, Any], shape: tuple[int, ...]
) -> None:
    module = LOCAL.build(LOCAL.parse(params), [shape])
    assert isinstance(module, LocallyConnected2dModule)
    with torch.no_grad():
        module.weight.normal_()  # positions differ for sure
    x = torch.randn(3, *shape, dtype=torch.float64)
    module = module.double()
    assert torch.allclose(module(x), loop_reference(module, x), atol=1e-10)


def test_with_every_position_given_the_same_filters_it_is_a_convolution() -> None:
    params = {"out_channels": 5, "kernel_size": 3, "padding": 1, "stride": 2}
    module = LOCAL.build(LOCAL.parse(params), [(2, 8, 8)])
    conv = LAYERS["conv2d"].build(LAYERS["conv2d"].parse(params), [(2, 8, 8)])
    assert isinstance(module, LocallyConnected2dModule) and module.bias is not None
    with torch.no_grad():
        module.weight.copy_(conv.weight.reshape(5, -1).expand_as(module.weight))
        module.bias.copy_(conv.bias[:, None].expand_as(module.bias))
    x = torch.randn(4, 2, 8, 8)
    assert torch.allclose(module(x), conv(x), atol=1e-5)


def test_weight_sharing_is_what_a_convolution_saves() -> None:
    conv, local = (
        infer_shapes(
            chain(
                (kind, {"out_channels": 8, "kernel_size": 3}),
                ("flatten", {}),
                ("linear", {"out_features": 10}),
            ),
            [1, 8, 8],
        )
        for kind in ("conv2d", "locally_connected2d")
    )
    assert conv.params["n0"] == 8 * 9 + 8
    assert local.params["n0"] == 6 * 6 * (8 * 9 + 8)  # one conv's worth per output position
    # Each weight does one multiply-add per sample: the cost model counts it once.
    assert estimate_step(local, 1).flops < estimate_step(conv, 1).flops * 2
