"""Receptive fields against published values and against autograd itself."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from models.analysis import validate_network
from models.build import build_network
from models.receptive import receptive_fields
from models.shapes import infer_shapes
from tests.models.helpers import chain as _chain
from tests.models.helpers import vgg16


def chain(*layers: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A chain scored by mse, so any output shape is valid."""
    return _chain(*layers, loss="mse")


def field_of(
    spec: dict[str, Any], node: str, input_shape: list[int] | None = None
) -> dict[str, Any]:
    report = validate_network(spec, input_shape)
    assert report.valid, report.errors
    rf = report.nodes[node].receptive_field
    assert rf is not None
    return rf


def conv(k: int = 3, **kw: Any) -> tuple[str, dict[str, Any]]:
    return ("conv2d", {"out_channels": 1, "kernel_size": k, **kw})


def test_two_stacked_3x3_convs_see_5() -> None:
    spec = chain(conv(), conv(), ("flatten", {}), ("linear", {"out_features": 2}))
    assert field_of(spec, "n1", [1, 16, 16])["size"] == [5, 5]


def test_dilations_1_2_4_see_3_7_15() -> None:
    spec = chain(
        conv(dilation=1, padding=1), conv(dilation=2, padding=2), conv(dilation=4, padding=4)
    )
    sizes = [field_of(spec, f"n{i}", [1, 32, 32])["size"][0] for i in range(3)]
    assert sizes == [3, 7, 15]


def test_vgg16_pool5() -> None:
    spec = vgg16()
    report = validate_network(spec)
    pool5 = [n["id"] for n in spec["nodes"] if n["type"] == "maxpool2d"][-1]
    rf = report.nodes[pool5].receptive_field
    assert rf is not None
    assert rf["size"] == [212, 212]
    assert rf["jump"] == [32, 32]
    assert rf["padding"] == [90, 90]
    assert report.nodes["n31"].receptive_field is None  # after flatten


def test_non_spatial_nodes_have_no_field() -> None:
    report = validate_network(chain(("linear", {"out_features": 2})), [2])
    assert all(node.receptive_field is None for node in report.nodes.values())


def test_residual_merge_takes_widest_and_flags_misaligned_grids() -> None:
    spec = chain(conv(padding=1), ("add", {}), ("flatten", {}), ("linear", {"out_features": 2}))
    spec["edges"].append({"source": "in", "target": "n1"})
    report = validate_network(spec, [1, 8, 8])
    assert report.nodes["n1"].receptive_field["size"] == [3, 3]
    assert report.warnings == []

    # A stride-2 path beside a stride-1 path: same shapes, different grids.
    spec = chain(conv(k=1, stride=2), ("add", {}), ("flatten", {}), ("linear", {"out_features": 2}))
    spec["nodes"].insert(1, {"id": "pool", "type": "avgpool2d", "params": {"kernel_size": 2}})
    spec["edges"] += [{"source": "in", "target": "pool"}, {"source": "pool", "target": "n1"}]
    report = validate_network(spec, [1, 8, 8])
    assert report.valid, report.errors
    assert [w.node for w in report.warnings] == ["n1"]


def test_transposed_conv_inverts_a_strided_conv() -> None:
    spec = chain(
        conv(k=2, stride=2),
        ("conv_transpose2d", {"out_channels": 1, "kernel_size": 2, "stride": 2}),
    )
    rf = field_of(spec, "n1", [1, 8, 8])
    assert rf["jump"] == [1, 1]
    assert rf["size"] == [2, 2]
    assert rf["start"] == [0, 0]


def nonzero_box(grad: torch.Tensor) -> tuple[int, int, int, int]:
    rows = torch.nonzero(grad.abs().sum(dim=1) > 0)[:, 0]
    cols = torch.nonzero(grad.abs().sum(dim=0) > 0)[:, 0]
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def input_gradient(spec: dict[str, Any], size: int, node: str, y: int, x: int) -> torch.Tensor:
    net = build_network(spec, [1, size, size], seed=0)
    image = torch.ones(1, 1, size, size, requires_grad=True)
    out = net.forward_nodes(image, [node])[node]
    out[0, 0, y, x].backward()
    assert image.grad is not None
    return image.grad[0, 0]


layer_strategy = st.one_of(
    st.builds(
        lambda k, s, p, d: conv(k=k, stride=s, padding=p, dilation=d, bias=False, init="ones"),
        st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
        st.integers(1, 2),
        st.integers(0, 2),
        st.integers(1, 2),
    ),
    st.builds(  # unshared weights, the same windows: the same field
        lambda k, s, p: (
            "locally_connected2d",
            {"out_channels": 1, "kernel_size": k, "stride": s, "padding": p, "init": "ones"},
        ),
        st.integers(1, 4),
        st.integers(1, 2),
        st.integers(0, 2),
    ),
    st.builds(
        lambda k, s: ("avgpool2d", {"kernel_size": k, "stride": s, "padding": k // 2}),
        st.integers(1, 3),
        st.integers(1, 2),
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(layer_strategy, min_size=1, max_size=5), st.integers(0, 100), st.integers(0, 100))
def test_field_equals_autograd_support(layers: list[Any], fy: int, fx: int) -> None:
    """The input pixels with a nonzero gradient for one output unit span exactly its field."""
    size = 40
    spec = chain(*layers)
    shapes = infer_shapes(spec, [1, size, size])
    assume(shapes.ok)
    last = f"n{len(layers) - 1}"
    _, oh, ow = shapes.shapes[last]
    y, x = fy % oh, fx % ow
    field = receptive_fields(shapes).fields[last]
    assert field is not None
    grad = input_gradient(spec, size, last, y, x)
    unclipped = []
    for axis, unit in ((field.h, y), (field.w, x)):
        first = unit * axis.jump - axis.padding
        unclipped += [first, first + axis.size - 1]
    clipped = [max(0, unclipped[0]), min(size - 1, unclipped[1])]
    clipped += [max(0, unclipped[2]), min(size - 1, unclipped[3])]
    if clipped == unclipped:
        assert nonzero_box(grad) == tuple(unclipped)
    elif grad.any():
        # At a border the field counts padding (of the input or of a layer inside), and
        # dilation's holes can fall on the image's edge: what is seen lies within it.
        r0, r1, c0, c1 = nonzero_box(grad)
        assert clipped[0] <= r0 <= r1 <= clipped[1]
        assert clipped[2] <= c0 <= c1 <= clipped[3]


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 1), st.integers(1, 2))
def test_transposed_field_size_is_the_widest_unit(k: int, s: int, p: int, d: int) -> None:
    size = 12
    spec = chain(
        conv(k=3, bias=False, init="ones"),
        (
            "conv_transpose2d",
            {
                "out_channels": 1,
                "kernel_size": k,
                "stride": s,
                "padding": p,
                "dilation": d,
                "bias": False,
                "init": "ones",
            },
        ),
    )
    shapes = infer_shapes(spec, [1, size, size])
    assume(shapes.ok)
    field = receptive_fields(shapes).fields["n1"]
    assert field is not None
    _, oh, _ = shapes.shapes["n1"]
    widest = 0
    # Units away from the border, where clipping does not shorten the support.
    for y in range(oh // 4, 3 * oh // 4 + 1):
        grad = input_gradient(spec, size, "n1", y, 0)
        if not grad.any():
            continue  # a stride wider than the kernel leaves some outputs unfed
        r0, r1, _, _ = nonzero_box(grad)
        if r0 > 0 and r1 < size - 1:
            widest = max(widest, r1 - r0 + 1)
    assume(widest > 0)
    assert widest == field.h.size


def branches(
    a: tuple[str, dict[str, Any]], b: tuple[str, dict[str, Any]], merge: str
) -> dict[str, Any]:
    """input -> a and input -> b, merged: Inception's shape in miniature."""
    nodes = [
        {"id": "in", "type": "input", "params": {}},
        {"id": "a", "type": a[0], "params": a[1]},
        {"id": "b", "type": b[0], "params": b[1]},
        {"id": "m", "type": merge, "params": {}},
        {"id": "out", "type": "output", "params": {"loss": "mse"}},
    ]
    pairs = [("in", "a"), ("in", "b"), ("a", "m"), ("b", "m"), ("m", "out")]
    return {"version": 1, "nodes": nodes, "edges": [{"source": s, "target": t} for s, t in pairs]}


@pytest.mark.parametrize("merge", ["add", "concat"])
def test_a_merge_joins_its_inputs_fields_on_each_axis(merge: str) -> None:
    one_by_three = conv(k=[1, 3], padding=[0, 1], bias=False, init="ones")
    three_by_one = conv(k=[3, 1], padding=[1, 0], bias=False, init="ones")
    spec = branches(one_by_three, three_by_one, merge)
    rf = field_of(spec, "m", [1, 9, 9])
    assert rf["size"] == [3, 3] and rf["start"] == [0, 0] and rf["padding"] == [1, 1]
    # Against autograd: the centre position (every channel: concat's come from either
    # branch) has a gradient on exactly the joined 3x3 box.
    net = build_network(spec, [1, 9, 9], seed=0)
    image = torch.ones(1, 1, 9, 9, requires_grad=True)
    net.forward_nodes(image, ["m"])["m"][0, :, 4, 4].sum().backward()
    assert image.grad is not None
    assert nonzero_box(image.grad[0, 0]) == (3, 5, 3, 5)


def test_a_merge_of_offset_fields_spans_both() -> None:
    spec = branches(conv(k=3), conv(k=5, padding=1), "add")  # 7x7 -> 7x7 and 9-5+2+1 = 7
    rf = field_of(spec, "m", [1, 9, 9])
    assert rf["size"] == [5, 5] and rf["padding"] == [1, 1]
    assert nonzero_box(input_gradient(spec, 9, "m", 3, 3)) == (2, 6, 2, 6)
