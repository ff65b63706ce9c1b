"""The builder: random valid DAGs run with the inferred shapes; random specs never raise."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from models.analysis import validate_network
from models.build import build_network
from models.errors import InvalidSpecError
from models.layers import LAYERS
from tests.models.helpers import chain

ACTIVATIONS = [
    "relu",
    "leaky_relu",
    "prelu",
    "sigmoid",
    "tanh",
    "gelu",
    "elu",
    "softplus",
    "identity",
]


class SpecMaker:
    """Grows a spec node by node, tracking each node's shape for the valid generator."""

    def __init__(self, input_shape: tuple[int, ...]) -> None:
        self.nodes: list[dict[str, Any]] = [{"id": "in", "type": "input"}]
        self.edges: list[dict[str, str]] = []
        self.shapes: dict[str, tuple[int, ...]] = {"in": input_shape}
        self.last = "in"

    def add(
        self, kind: str, params: dict[str, Any], sources: list[str], shape: tuple[int, ...]
    ) -> str:
        node = f"n{len(self.nodes)}"
        self.nodes.append({"id": node, "type": kind, "params": params})
        self.edges += [{"source": s, "target": node} for s in sources]
        self.shapes[node] = shape
        self.last = node
        return node

    def spec(self) -> dict[str, Any]:
        nodes = [*self.nodes, {"id": "out", "type": "output", "params": {"loss": "mse"}}]
        edges = [*self.edges, {"source": self.last, "target": "out"}]
        return {"version": 1, "name": "random", "nodes": nodes, "edges": edges}


@st.composite
def valid_dags(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[int, ...]]:
    """Chains with residual (add) and branch-and-concat blocks, images or vectors."""
    image = draw(st.booleans())
    shape: tuple[int, ...] = (
        (draw(st.integers(1, 3)), draw(st.integers(4, 12)), draw(st.integers(4, 12)))
        if image
        else (draw(st.integers(1, 6)),)
    )
    maker = SpecMaker(shape)
    for _ in range(draw(st.integers(1, 6))):
        here = maker.shapes[maker.last]
        block = draw(st.sampled_from(["layer", "residual", "concat", "act", "norm"]))
        if block == "act":
            maker.add(draw(st.sampled_from(ACTIVATIONS)), {}, [maker.last], here)
        elif block == "norm":
            kind = draw(st.sampled_from(["batchnorm", "layernorm", "dropout"]))
            maker.add(kind, {}, [maker.last], here)
        elif len(here) == 1:
            width = draw(st.integers(1, 6))
            start = maker.last
            if block == "residual":
                mid = maker.add("linear", {"out_features": here[0]}, [start], here)
                maker.add("add", {}, [start, mid], here)
            elif block == "concat":
                mid = maker.add("linear", {"out_features": width}, [start], (width,))
                maker.add("concat", {}, [start, mid], (here[0] + width,))
            else:
                maker.add("linear", {"out_features": width}, [start], (width,))
        else:
            c, h, w = here
            k = draw(st.sampled_from([1, 3, 5]))
            d = draw(st.integers(1, 2))
            same = {"kernel_size": k, "padding": d * (k - 1) // 2, "dilation": d}
            start = maker.last
            if block == "residual":
                mid = maker.add("conv2d", {"out_channels": c, **same}, [start], here)
                act = maker.add("relu", {}, [mid], here)
                maker.add("add", {}, [start, act], here)
            elif block == "concat":
                extra = draw(st.integers(1, 4))
                mid = maker.add("conv2d", {"out_channels": extra, **same}, [start], (extra, h, w))
                maker.add("concat", {}, [mid, start], (c + extra, h, w))
            elif h >= 4 and w >= 4 and draw(st.booleans()):
                maker.add("maxpool2d", {"kernel_size": 2}, [start], (c, h // 2, w // 2))
            else:
                out = draw(st.integers(1, 5))
                maker.add("conv2d", {"out_channels": out, **same}, [start], (out, h, w))
    return maker.spec(), shape


@settings(max_examples=80, deadline=None)
@given(valid_dags())
def test_valid_dags_build_and_run_with_inferred_shapes(
    case: tuple[dict[str, Any], tuple[int, ...]],
) -> None:
    spec, shape = case
    report = validate_network(spec, list(shape))
    assert report.valid, report.errors
    net = build_network(spec, list(shape), seed=0)
    outs = net.forward_nodes(torch.randn(3, *shape))
    for node, value in outs.items():
        assert list(value.shape[1:]) == report.nodes[node].shape, node
    assert report.total_params == sum(p.numel() for p in net.parameters())
    assert list(net(torch.zeros(3, *shape)).shape[1:]) == report.nodes["out"].shape


def param_values(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """Params for a layer type, drawn so that many but not all are valid."""
    small = st.integers(0, 4)
    if kind in ("conv2d", "conv_transpose2d"):
        return st.fixed_dictionaries(
            {"out_channels": st.integers(1, 4), "kernel_size": st.integers(1, 4)},
            optional={
                "stride": st.integers(1, 3),
                "padding": small,
                "dilation": st.integers(1, 2),
                "groups": st.integers(1, 2),
            },
        )
    if kind in ("maxpool2d", "avgpool2d"):
        return st.fixed_dictionaries(
            {"kernel_size": st.integers(1, 3)},
            optional={"stride": st.integers(1, 2), "padding": small},
        )
    if kind == "linear":
        return st.fixed_dictionaries({"out_features": st.integers(0, 5)})
    if kind == "upsample":
        return st.fixed_dictionaries(
            {},
            optional={
                "scale_factor": st.integers(1, 2),
                "mode": st.sampled_from(["nearest", "bilinear"]),
            },
        )
    if kind == "groupnorm":
        return st.fixed_dictionaries({"num_groups": st.integers(1, 3)})
    return st.just({})


MIDDLE = [t for t in LAYERS if t not in ("input", "output")]


@st.composite
def random_specs(draw: st.DrawFn) -> tuple[dict[str, Any], list[int]]:
    """Any layers in any order, merges fed by earlier nodes: valid or not."""
    shape = draw(st.sampled_from([[2], [5], [1, 6, 6], [3, 9, 7]]))
    maker = SpecMaker(tuple(shape))
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(MIDDLE))
        sources = [maker.last]
        if kind in ("add", "concat"):
            earlier = [n["id"] for n in maker.nodes]
            sources.append(draw(st.sampled_from(earlier)))
            sources = list(dict.fromkeys(sources))
        maker.add(kind, draw(param_values(kind)), sources, ())
    return maker.spec(), shape


@settings(max_examples=150, deadline=None)
@given(random_specs())
def test_random_specs_give_errors_or_run(case: tuple[dict[str, Any], list[int]]) -> None:
    spec, shape = case
    report = validate_network(spec, shape)
    ids = {n["id"] for n in spec["nodes"]}
    if not report.valid:
        assert report.errors
        assert all(e.node is None or e.node in ids for e in report.errors)
        with pytest.raises(InvalidSpecError):
            build_network(spec, shape)
        return
    net = build_network(spec, shape, seed=0)
    outs = net.forward_nodes(torch.randn(2, *shape))
    for node, value in outs.items():
        assert list(value.shape[1:]) == report.nodes[node].shape, node


def test_seeded_builds_are_identical_and_leave_global_rng_alone() -> None:
    spec = chain(("linear", {"out_features": 8}), ("relu", {}), ("linear", {"out_features": 2}))
    state = torch.get_rng_state()
    a = build_network(spec, [2], seed=3)
    b = build_network(spec, [2], seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_nodes_are_reachable_by_user_id_even_with_odd_ids() -> None:
    spec = chain(("linear", {"out_features": 3}), ("relu", {}), ("linear", {"out_features": 2}))
    rename = {"n0": "my layer.1", "n1": "forward", "n2": "fc-2"}
    for node in spec["nodes"]:
        node["id"] = rename.get(node["id"], node["id"])
    for edge in spec["edges"]:
        edge["source"] = rename.get(edge["source"], edge["source"])
        edge["target"] = rename.get(edge["target"], edge["target"])
    net = build_network(spec, [4])
    assert isinstance(net.module("my layer.1"), torch.nn.Linear)
    outs = net.forward_nodes(torch.randn(5, 4), ["forward"])
    assert set(outs) == {"forward"} and outs["forward"].shape == (5, 3)
    assert torch.all(outs["forward"] >= 0)
    with pytest.raises(KeyError):
        net.forward_nodes(torch.randn(1, 4), ["nope"])
