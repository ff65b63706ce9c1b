"""A run taken elsewhere: its body as a spec that re-creates it, its weights as a state dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safetensors.torch import save

from models.checkpoint import read_weights
from models.run import RunConfig


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
