"""Loading specs: every structural problem is reported, with node and field, all at once."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.spec import NetworkSpec, load_spec
from tests.models.helpers import chain

CONTRACT_EXAMPLE: dict[str, Any] = {
    "version": 1,
    "name": "tiny-cnn",
    "nodes": [
        {"id": "in", "type": "input"},
        {
            "id": "c1",
            "type": "conv2d",
            "params": {"out_channels": 16, "kernel_size": 3, "padding": 1},
        },
        {"id": "a1", "type": "relu"},
        {"id": "p1", "type": "maxpool2d", "params": {"kernel_size": 2}},
        {"id": "f", "type": "flatten"},
        {"id": "fc", "type": "linear", "params": {"out_features": 10}},
        {"id": "out", "type": "output", "params": {"loss": "cross_entropy"}},
    ],
    "edges": [
        {"source": "in", "target": "c1"},
        {"source": "c1", "target": "a1"},
        {"source": "a1", "target": "p1"},
        {"source": "p1", "target": "f"},
        {"source": "f", "target": "fc"},
        {"source": "fc", "target": "out"},
    ],
}


def errors_of(spec: Any) -> set[tuple[str | None, str | None]]:
    result = load_spec(spec)
    assert result.graph is None
    return {(e.node, e.field) for e in result.errors}


def test_contract_example_loads() -> None:
    result = load_spec(CONTRACT_EXAMPLE)
    assert result.ok and result.graph is not None
    assert result.graph.order == ("in", "c1", "a1", "p1", "f", "fc", "out")
    assert result.graph.input_id == "in" and result.graph.output_id == "out"


def test_positions_are_accepted_and_ignored() -> None:
    spec = copy.deepcopy(CONTRACT_EXAMPLE)
    for i, node in enumerate(spec["nodes"]):
        node["position"] = {"x": i * 10.0, "y": 5}
    assert load_spec(spec).ok


def test_all_problems_at_once() -> None:
    spec = copy.deepcopy(CONTRACT_EXAMPLE)
    spec["nodes"][1]["params"]["kernel_size"] = 0
    spec["nodes"][5]["params"] = {"out_features": 10, "colour": "red"}
    spec["nodes"][2]["type"] = "rleu"
    found = errors_of(spec)
    assert ("c1", "kernel_size") in found
    assert ("fc", "colour") in found
    assert ("a1", "type") in found
    message = next(e.message for e in load_spec(spec).errors if e.node == "a1")
    assert "relu" in message  # a suggestion


def test_input_and_output_counts() -> None:
    spec = chain(("relu", {}))
    spec["nodes"].append({"id": "in2", "type": "input"})
    spec["nodes"] = [n for n in spec["nodes"] if n["type"] != "output"]
    spec["edges"] = [e for e in spec["edges"] if e["target"] != "out"]
    messages = [e.message for e in load_spec(spec).errors]
    assert any("exactly one input" in m for m in messages)
    assert any("exactly one output" in m for m in messages)


def test_duplicate_ids_and_bad_edges() -> None:
    spec = chain(("relu", {}), ("relu", {}))
    spec["nodes"][2]["id"] = "n0"
    spec["edges"].append({"source": "ghost", "target": "out"})
    found = errors_of(spec)
    assert ("n0", "id") in found
    assert (None, f"edges.{len(spec['edges']) - 1}") in found


def test_cycle_is_named() -> None:
    spec = chain(("relu", {}), ("add", {}), ("relu", {}))
    spec["edges"].append({"source": "n2", "target": "n1"})
    result = load_spec(spec)
    cycle = [e for e in result.errors if "cycle" in e.message]
    assert cycle and "n1" in cycle[0].message and "n2" in cycle[0].message


def test_dangling_node_must_reach_output() -> None:
    spec = chain(("relu", {}))
    spec["nodes"].append({"id": "lost", "type": "tanh"})
    spec["edges"].append({"source": "in", "target": "lost"})
    assert ("lost", "edges") in errors_of(spec)


def test_arity() -> None:
    spec = chain(("add", {}))
    assert ("n0", "edges") in errors_of(spec)
    spec = chain(("relu", {}))
    spec["edges"].append({"source": "in", "target": "out"})
    assert ("out", "edges") in errors_of(spec)
    spec = chain(("relu", {}))
    spec["edges"].append({"source": "out", "target": "n0"})
    assert ("out", "edges") in errors_of(spec)


def test_wrong_types_in_structure_name_the_node() -> None:
    spec = copy.deepcopy(CONTRACT_EXAMPLE)
    spec["nodes"][1]["params"] = "big"
    assert ("c1", "params") in errors_of(spec)
    assert errors_of({"version": 2, "nodes": []}) >= {(None, "version")}
    assert errors_of("not a spec") == {(None, None)}


def test_param_ranges() -> None:
    for kind, params, field in [
        ("dropout", {"p": 1.0}, "p"),
        ("linear", {"out_features": -3}, "out_features"),
        ("conv2d", {"out_channels": 4, "stride": [1, 2, 3]}, "stride"),
        ("maxpool2d", {"kernel_size": 2, "padding": 2}, None),
        ("conv_transpose2d", {"out_channels": 2, "stride": 2, "output_padding": 2}, None),
        ("leaky_relu", {"negative_slope": "steep"}, "negative_slope"),
    ]:
        found = errors_of(chain((kind, params)))
        assert any(
            node == "n0" and (field is None or (f or "").startswith(field)) for node, f in found
        ), (
            kind,
            found,
        )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(data: Any) -> None:
    result = load_spec(data)
    assert result.ok or result.errors


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["drop", "retype", "param", "edge", "id"]), max_size=4),
    st.data(),
)
def test_mutated_specs_give_errors_not_exceptions(
    mutations: list[str], data: st.DataObject
) -> None:
    spec = copy.deepcopy(CONTRACT_EXAMPLE)
    for mutation in mutations:
        nodes = spec["nodes"]
        i = data.draw(st.integers(0, len(nodes) - 1)) if nodes else 0
        if mutation == "drop" and nodes:
            nodes.pop(i)
        elif mutation == "retype" and nodes:
            nodes[i]["type"] = data.draw(
                st.sampled_from(["add", "conv2d", "bogus", "output", "input"])
            )
        elif mutation == "param" and nodes:
            nodes[i].setdefault("params", {})[
                data.draw(st.sampled_from(["p", "kernel_size", "x"]))
            ] = data.draw(json_values)
        elif mutation == "edge" and nodes:
            spec["edges"].append(
                {"source": nodes[i]["id"], "target": data.draw(st.sampled_from(["in", "c1", "zz"]))}
            )
        elif mutation == "id" and nodes:
            nodes[i]["id"] = data.draw(st.sampled_from(["in", "c1", "", "x" * 80]))
    result = load_spec(spec)
    assert result.ok or result.errors
    ids = {n.get("id") for n in spec["nodes"]}
    assert all(e.node is None or e.node in ids for e in result.errors)


def test_model_round_trip() -> None:
    spec = NetworkSpec.model_validate(CONTRACT_EXAMPLE)
    assert load_spec(spec.model_dump()).ok
