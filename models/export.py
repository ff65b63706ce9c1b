"""A run taken elsewhere: its body as a spec that re-creates it, its weights as a state dict,
its network as an ONNX model."""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save
from torch import nn

from models.build import Network
from models.checkpoint import read_weights
from models.datasets import DatasetError, describe_dataset
from models.run import RunConfig
from models.shapes import infer_shapes


def spec_export(config: RunConfig) -> dict[str, Any]:
    """The run's body (name, network, dataset, training with its seed, device) as JSON."""
    body: dict[str, Any] = config.model_dump(mode="json")
    return body


def weights_export(checkpoint: Path, run_id: str) -> tuple[bytes, int]:
    """The model's weights of a checkpoint as one safetensors state dict; the step they are at.

    The names are the module's own (`layers.c1.weight`), so `load_state_dict` of the
    exported PyTorch module, or of a Network built from the spec, reads them as they are.
    """
    saved, step = read_weights(checkpoint)
    tensors = {name[len("model.") :]: value for name, value in saved.items()}
    meta = {"run_id": run_id, "step": str(step), "format": "pytorch state_dict"}
    return save(tensors, metadata=meta), step


class ExportError(ValueError):
    """A run that cannot be written in the asked format, with the reason in words."""


def onnx_bytes(module: nn.Module, inputs: Sequence[torch.Tensor]) -> bytes:
    """A module as an ONNX model (opset 17, the batch axis dynamic), run in eval mode.

    Inputs are named x0, x1, ... and the output y; ExportError when ONNX cannot express it.
    """
    names = [f"x{i}" for i in range(len(inputs))]
    axes = {name: {0: "batch"} for name in [*names, "y"]}
    buffer = io.BytesIO()
    training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing, not problems
            torch.onnx.export(
                module,
                tuple(inputs),
                buffer,  # type: ignore[arg-type]  # a file-like object works as a path does
                input_names=names,
                output_names=["y"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
    except Exception as exc:  # the exporter raises many kinds; each means "cannot express"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(first) from exc
    finally:
        module.train(training)
    return buffer.getvalue()


def network_onnx(
    config: RunConfig, weights: Mapping[str, torch.Tensor], data_dir: Path | None = None
) -> bytes:
    """The run's network with these weights as an ONNX model taking a batch of its inputs.

    ExportError names the first node whose layer ONNX cannot express, and why.
    """
    try:
        info = describe_dataset(config.dataset.name, config.dataset.params, data_dir)
    except DatasetError as exc:  # its files are gone, or an upload was deleted since
        raise ExportError(f"the run's dataset cannot be read: {exc.message}") from exc
    report = infer_shapes(config.network.model_dump(mode="json"), info.input_shape)
    if report.graph is None or report.errors:
        raise ExportError("the network is not valid, so it has no model to export")
    shapes = {n: s for n, s in report.shapes.items() if s is not None}
    network = Network(report.graph, shapes)
    network.load_state_dict(dict(weights))
    try:
        return onnx_bytes(network, [torch.zeros(2, *info.input_shape)])
    except ExportError as whole:
        for node in report.graph.order:  # which layer it was, to say so
            sources = (node,) if node == report.graph.input_id else report.graph.inputs[node]
            sample = [torch.zeros(2, *shapes[s]) for s in sources]
            try:
                onnx_bytes(network.module(node), sample)
            except ExportError as exc:
                kind = report.graph.types[node]
                raise ExportError(f"node {node} ({kind}) cannot be written as ONNX: {exc}") from exc
        raise whole
