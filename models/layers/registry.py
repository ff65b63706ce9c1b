"""The one layer registry: palette, validation, builder and docs all read it."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from models.layers import (
    activations,
    conv,
    core,
    local,
    merge,
    normalization,
    pooling,
    regularization,
)
from models.layers.base import Layer

_ALL: tuple[Layer[Any], ...] = (
    core.Input(),
    core.Output(),
    core.Linear(),
    core.Flatten(),
    core.Identity(),
    conv.Conv2d(),
    conv.ConvTranspose2d(),
    conv.Upsample(),
    local.LocallyConnected2d(),
    pooling.MaxPool2d(),
    pooling.AvgPool2d(),
    pooling.GlobalAvgPool(),
    activations.ReLU(),
    activations.LeakyReLU(),
    activations.PReLU(),
    activations.Sigmoid(),
    activations.Tanh(),
    activations.GELU(),
    activations.ELU(),
    activations.Softplus(),
    activations.Step(),
    normalization.BatchNorm(),
    normalization.LayerNorm(),
    normalization.GroupNorm(),
    normalization.InstanceNorm(),
    regularization.Dropout(),
    regularization.Dropout2d(),
    merge.Add(),
    merge.Concat(),
)

LAYERS: MappingProxyType[str, Layer[Any]] = MappingProxyType({layer.type: layer for layer in _ALL})


def layer_catalog() -> list[dict[str, Any]]:
    """Every layer type with its category, doc, arity and params JSON Schema."""
    return [
        {
            "type": layer.type,
            "category": layer.category,
            "doc": layer.doc,
            "min_inputs": layer.min_inputs,
            "max_inputs": layer.max_inputs,
            "trainable_by_gradient": layer.trainable_by_gradient,
            "params_schema": layer.Params.model_json_schema(),
        }
        for layer in LAYERS.values()
    ]
