"""A run taken elsewhere: its body as a spec that re-creates it, its weights as a state dict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors import safe_open
from safetensors.torch import save

from models.run import RunConfig

_META_KEY = "layerlab"  # the checkpoint's metadata key (models/checkpoint.py)


def spec_export(config: RunConfig) -> dict[str, Any]:
    """The run's body (name, network, dataset, training with its seed, device) as JSON."""
    body: dict[str, Any] = config.model_dump(mode="json")
    return body


def weights_export(checkpoint: Path, run_id: str) -> tuple[bytes, int]:
    """The model's weights of a checkpoint as one safetensors state dict; the step they are at.

    The names are the module's own (`layers.c1.weight`), so `load_state_dict` of the
    exported PyTorch module, or of a Network built from the spec, reads them as they are.
    """
    with safe_open(str(checkpoint), framework="pt") as handle:
        step = int(json.loads(handle.metadata()[_META_KEY])["step_count"])
        tensors = {
            key[len("model.") :]: handle.get_tensor(key)
            for key in handle.keys()  # noqa: SIM118 - a safe_open handle is not a mapping
            if key.startswith("model.")
        }
    meta = {"run_id": run_id, "step": str(step), "format": "pytorch state_dict"}
    return save(tensors, metadata=meta), step
