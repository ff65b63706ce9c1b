"""Shape inference: right numbers, plain-words errors, no weights allocated."""

from __future__ import annotations

import tracemalloc

import pytest
import torch

from models.analysis import validate_network
from models.build import build_network
from models.errors import InvalidSpecError
from models.shapes import infer_shapes
from tests.models.helpers import chain, vgg16


def only_error(
    spec: dict, input_shape: list[int] | None = None
) -> tuple[str | None, str | None, str]:
    report = infer_shapes(spec, input_shape)
    assert len(report.errors) == 1, report.errors
    e = report.errors[0]
    return e.node, e.field, e.message


def test_dilated_kernel_wider_than_input_says_both_numbers() -> None:
    node, field, message = only_error(
        chain(("conv2d", {"out_channels": 4, "kernel_size": 3, "dilation": 3})), [1, 5, 5]
    )
    assert (node, field) == ("n0", "dilation")
    assert "7" in message and "5" in message and "padding" in message


def test_add_of_unequal_shapes_names_both() -> None:
    spec = chain(("linear", {"out_features": 4}), ("add", {}), ("linear", {"out_features": 2}))
    spec["edges"].append({"source": "in", "target": "n1"})
    node, _, message = only_error(spec, [3])
    assert node == "n1"
    assert "[4]" in message and "[3]" in message


def test_linear_after_image_suggests_flatten() -> None:
    node, _, message = only_error(chain(("linear", {"out_features": 4})), [1, 8, 8])
    assert node == "n0" and "flatten" in message


def test_conv_on_points_says_why() -> None:
    _, _, message = only_error(chain(("conv2d", {"out_channels": 4})), [2])
    assert "image" in message


def test_missing_input_shape_is_an_error_on_the_input() -> None:
    node, field, _ = only_error(chain(("relu", {})))
    assert (node, field) == ("in", "shape")


def test_downstream_of_an_error_is_unknown_not_reported_twice() -> None:
    spec = chain(("linear", {"out_features": 4}), ("relu", {}), ("linear", {"out_features": 2}))
    report = infer_shapes(spec, [1, 4, 4])
    assert len(report.errors) == 1
    assert report.shapes["n2"] is None and report.shapes["in"] == (1, 4, 4)


def test_groups_must_divide_channels() -> None:
    node, field, _ = only_error(chain(("conv2d", {"out_channels": 4, "groups": 2})), [3, 8, 8])
    assert (node, field) == ("n0", "groups")


def test_cross_entropy_needs_two_classes() -> None:
    node, field, _ = only_error(chain(("linear", {"out_features": 1})), [3])
    assert (node, field) == ("out", "loss")


def test_vgg16_shapes_and_size() -> None:
    report = infer_shapes(vgg16())
    assert report.ok
    assert report.total_params == 138_357_544  # the published VGG-16 size
    pool5 = [n for n in report.graph.order if report.graph.types[n] == "maxpool2d"][-1]
    assert report.shapes[pool5] == (512, 7, 7)


def test_validation_allocates_no_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation must not build modules")

    monkeypatch.setattr(torch.nn.Module, "__init__", forbidden)
    tracemalloc.start()
    try:
        report = validate_network(vgg16())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.valid
    assert peak < 4 * 1024 * 1024


def test_inferred_shapes_equal_built_network_outputs() -> None:
    spec = chain(
        ("conv2d", {"out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1}),
        ("batchnorm", {}),
        ("relu", {}),
        ("conv_transpose2d", {"out_channels": 3, "kernel_size": 2, "stride": 2}),
        ("upsample", {"scale_factor": 2, "mode": "bilinear"}),
        ("maxpool2d", {"kernel_size": 3, "stride": 2}),
        ("global_avgpool", {}),
        ("linear", {"out_features": 5}),
    )
    report = infer_shapes(spec, [2, 13, 11])
    net = build_network(spec, [2, 13, 11], seed=0)
    outs = net.forward_nodes(torch.randn(3, 2, 13, 11))
    for node, value in outs.items():
        assert tuple(value.shape[1:]) == report.shapes[node]
    assert report.total_params == sum(p.numel() for p in net.parameters())


def test_shapes_still_shown_around_structural_errors() -> None:
    spec = chain(("linear", {"out_features": 4}), ("relu", {}), ("linear", {"out_features": 2}))
    spec["nodes"].append({"id": "lost", "type": "tanh"})  # connected to nothing
    spec["nodes"].append({"id": "half", "type": "linear", "params": {"out_features": 3}})
    spec["edges"].append({"source": "n1", "target": "half"})  # leads nowhere
    report = validate_network(spec, [3])
    assert not report.valid
    assert {(e.node, e.field) for e in report.errors} >= {("lost", "edges"), ("half", "edges")}
    assert report.nodes["n0"].shape == [4] and report.nodes["out"].shape == [2]
    assert report.nodes["half"].shape == [3] and report.nodes["lost"].shape is None
    with pytest.raises(InvalidSpecError):
        build_network(spec, [3])
