"""ONNX exports against PyTorch through onnxruntime: every layer type, and whole networks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from models.export import ExportError, network_onnx, onnx_bytes
from models.layers import LAYERS
from models.layers.base import Layer
from models.run import RunConfig
from tests.models.lesson_runs import run_of, trained

ort = pytest.importorskip("onnxruntime")


def _run(model: bytes, inputs: list[torch.Tensor]) -> np.ndarray:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    feed = {f"x{i}": x.numpy() for i, x in enumerate(inputs)}
    out: np.ndarray = session.run(None, feed)[0]
    return out


@pytest.mark.parametrize("kind", list(LAYERS))
def test_every_layer_type_exports_to_onnx_and_answers_as_pytorch(kind: str) -> None:
    layer: Layer[Any] = LAYERS[kind]
    example = layer.examples[0]
    params = layer.parse(example.params)
    module = layer.build(params, list(example.inputs)).eval()
    torch.manual_seed(0)
    inputs = [torch.randn(3, *shape) for shape in example.inputs]
    model = onnx_bytes(module, inputs)  # every type has an ONNX form today
    with torch.no_grad():
        expected = module(*inputs).numpy()
    got = _run(model, inputs)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-5 * max(1.0, float(np.abs(expected).max())), kind


@pytest.mark.parametrize(
    ("lesson", "which"),
    [
        ("spiral-mlp", 0),
        ("normalization-axes", 0),
        ("residual-vs-plain", 1),
        ("segmentation-fcn", 0),
    ],
    ids=["mlp", "cnn-with-norms", "residual", "segmentation"],
)
def test_a_trained_network_s_onnx_model_answers_as_pytorch_does(lesson: str, which: int) -> None:
    trainer = trained(lesson, 0, 20, which)
    config = RunConfig.model_validate(run_of(lesson, which))
    model = network_onnx(config, trainer.model.state_dict())
    x = trainer.data.x_test[:16]
    trainer.model.eval()
    with torch.no_grad():
        expected = trainer.model(x).numpy()
    got = _run(model, [x])
    assert np.abs(got - expected).max() < 1e-5 * max(1.0, float(np.abs(expected).max()))


def test_what_onnx_cannot_express_is_refused_with_the_reason() -> None:
    class Eigenvalues(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.linalg.eigvalsh(x @ x.transpose(-1, -2))  # no ONNX operator

    with pytest.raises(ExportError, match=r"\w"):
        onnx_bytes(Eigenvalues(), [torch.randn(2, 3, 3)])
