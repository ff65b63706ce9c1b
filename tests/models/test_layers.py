"""Every registered layer against PyTorch itself: shapes, parameter counts, builders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from models.layers import CATEGORIES, LAYERS, Example, Layer, layer_catalog
from models.layers.docs import render

CASES = [
    pytest.param(layer, example, id=f"{name}-{i}")
    for name, layer in LAYERS.items()
    for i, example in enumerate(layer.examples)
]


@pytest.mark.parametrize("name", list(LAYERS))
def test_entry_is_complete(name: str) -> None:
    layer = LAYERS[name]
    assert layer.type == name
    assert layer.category in CATEGORIES
    assert layer.doc and "\n" not in layer.doc
    assert len(layer.examples) >= 2, "each layer needs examples, so the shape tests cover it"
    schema = layer.Params.model_json_schema()
    for prop, spec in schema.get("properties", {}).items():
        assert "description" in spec or "$ref" in spec or "anyOf" in spec, (
            f"{name}.{prop} undocumented"
        )


def test_registry_has_every_contract_type() -> None:
    contract = (  # noqa: SIM905
        "input output linear conv2d conv_transpose2d maxpool2d avgpool2d global_avgpool upsample "
        "flatten relu leaky_relu prelu sigmoid tanh gelu elu softplus step identity batchnorm "
        "layernorm groupnorm instancenorm dropout dropout2d add concat locally_connected2d"
    ).split()
    assert sorted(LAYERS) == sorted(contract)
    assert [entry["type"] for entry in layer_catalog()] == list(LAYERS)


@pytest.mark.parametrize(("layer", "example"), CASES)
def test_shape_and_size_match_pytorch(layer: Layer[Any], example: Example) -> None:
    params = layer.parse(example.params)
    inputs = list(example.inputs)
    expected = layer.output_shape(params, inputs)
    module = layer.build(params, inputs)
    for batch in (2, 3):
        xs = [torch.randn(batch, *shape) for shape in inputs]
        out = module(*xs)
        assert tuple(out.shape) == (batch, *expected)
    assert layer.param_count(params, inputs) == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("layer", "example"), CASES)
def test_shape_rule_on_other_sizes(layer: Layer[Any], example: Example) -> None:
    """The same params on larger inputs (same channels) still agree with PyTorch."""
    if layer.type in ("input", "add", "concat"):
        pytest.skip("shape is given or tied across inputs")
    (shape,) = example.inputs
    bigger = (shape[0], shape[1] + 3, shape[2] + 2) if len(shape) == 3 else shape
    params = layer.parse(example.params)
    if layer.type == "layernorm":
        pytest.skip("layernorm's weights are tied to its input shape")
    module = layer.build(params, [bigger])
    out = module(torch.randn(2, *bigger))
    assert tuple(out.shape[1:]) == layer.output_shape(params, [bigger])


@pytest.mark.parametrize(
    "scheme", ["kaiming", "xavier", "normal", "uniform", "zeros", "ones", "constant"]
)
def test_init_schemes(scheme: str) -> None:
    layer = LAYERS["conv2d"]
    params = layer.parse({"out_channels": 32, "kernel_size": 3, "init": scheme, "value": 0.5})
    module = layer.build(params, [(16, 8, 8)])
    weight = module.weight.detach()
    assert torch.all(module.bias == 0)
    if scheme == "zeros":
        assert torch.all(weight == 0)
    elif scheme == "ones":
        assert torch.all(weight == 1)
    elif scheme == "constant":
        assert torch.all(weight == 0.5)
    elif scheme == "uniform":
        assert weight.abs().max() <= 0.5
    elif scheme == "normal":
        assert abs(weight.std().item() - 0.5) < 0.05
    elif scheme == "kaiming":
        assert abs(weight.std().item() - (2 / (16 * 9)) ** 0.5) < 0.01
    else:  # xavier (Glorot) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
        bound = (6 / (16 * 9 + 32 * 9)) ** 0.5
        assert weight.abs().max() <= bound
        assert abs(weight.std().item() - bound / 3**0.5) < 0.1 * bound


def test_step_gradient_rules() -> None:
    step = LAYERS["step"]
    x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    zero = step.build(step.parse({}), [(3,)])
    out = zero(x)
    assert out.tolist() == [0.0, 0.0, 1.0]
    out.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    through = step.build(step.parse({"gradient": "straight_through"}), [(3,)])
    through(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    assert not step.trainable_by_gradient
    assert "gradient" in step.doc


def test_layer_reference_is_current() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "layers.md"
    assert path.read_text(encoding="utf-8") == render(), "run: python -m models.layers.docs"


@pytest.mark.parametrize("kind", ["linear", "conv2d", "conv_transpose2d", "locally_connected2d"])
def test_bias_init_starts_every_bias_there_whatever_the_scheme(kind: str) -> None:
    params: dict[str, Any] = {"bias_init": -1.5}
    params |= {"out_features": 3} if kind == "linear" else {"out_channels": 3}
    for scheme in ("default", "kaiming"):
        module = LAYERS[kind].build(
            LAYERS[kind].Params.model_validate({**params, "init": scheme}),
            [(4,)] if kind == "linear" else [(2, 6, 6)],
        )
        bias = module.bias
        assert isinstance(bias, torch.Tensor) and bool((bias == -1.5).all())
