"""Checkpoints of a job as safetensors files: weights, optimizer state, counters, RNG."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from models.job import Job

# Scalars and structure go into the file's string metadata; tensors into its body.
_META_KEY = "layerlab"


def _flatten_state(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split a Trainer state into named tensors and JSON-able rest."""
    tensors: dict[str, torch.Tensor] = {}
    for name, value in state["model"].items():
        tensors[f"model.{name}"] = value
    optim = state["optimizer"]
    optim_meta: dict[str, dict[str, Any]] = {}
    for index, slots in optim["state"].items():
        optim_meta[str(index)] = {}
        for slot, value in slots.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{index}.{slot}"] = value
            else:
                optim_meta[str(index)][slot] = value
    tensors["rng.cpu"] = state["cpu_rng"]
    tensors["rng.batch"] = state["batch_gen"]
    tensors["epoch_order"] = state["epoch_order"]
    if state["cuda_rng"] is not None:
        tensors["rng.cuda"] = state["cuda_rng"]
    rest = {
        "config": state["config"],
        "step_count": state["step_count"],
        "samples_seen": state["samples_seen"],
        "wall_s": state["wall_s"],
        "cursor": state["cursor"],
        "param_groups": optim["param_groups"],
        "optim_scalars": optim_meta,
    }
    return {k: v.detach().cpu().contiguous() for k, v in tensors.items()}, rest


def save_checkpoint(trainer: Job, path: Path) -> None:
    """Write the trainer's full state to `path` atomically (a crash never leaves half a file)."""
    tensors, rest = _flatten_state(trainer.state_dict())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={_META_KEY: json.dumps(rest)})
    os.replace(tmp, path)


def load_checkpoint(trainer: Job, path: Path) -> None:
    """Restore a trainer (same spec and dataset) from a file written by save_checkpoint."""
    with safe_open(str(path), framework="pt") as handle:
        rest = json.loads(handle.metadata()[_META_KEY])
    tensors = load_file(str(path))
    optim_state: dict[int, dict[str, Any]] = {}
    for index, scalars in rest["optim_scalars"].items():
        optim_state[int(index)] = dict(scalars)
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, index, slot = name.split(".", 2)
            optim_state.setdefault(int(index), {})[slot] = value
    state = {
        "model": {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")},
        "optimizer": {"state": optim_state, "param_groups": rest["param_groups"]},
        "config": rest["config"],
        "step_count": rest["step_count"],
        "samples_seen": rest["samples_seen"],
        "wall_s": rest["wall_s"],
        "cursor": rest["cursor"],
        "cpu_rng": tensors["rng.cpu"],
        "cuda_rng": tensors.get("rng.cuda"),
        "batch_gen": tensors["rng.batch"],
        "epoch_order": tensors["epoch_order"],
    }
    trainer.load_state_dict(state)


def read_weights(checkpoint: Path) -> tuple[dict[str, torch.Tensor], int]:
    """A checkpoint's model weights (named `model.<module name>`) and the step they are at."""
    with safe_open(str(checkpoint), framework="pt") as handle:
        step = int(json.loads(handle.metadata()[_META_KEY])["step_count"])
        tensors = {k: handle.get_tensor(k) for k in handle.keys() if k.startswith("model.")}  # noqa: SIM118
    return tensors, step


def copy_weights(checkpoint: Path, path: Path) -> int:
    """Write the model weights of a checkpoint, alone, to `path`; the step they were at."""
    tensors, step = read_weights(checkpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={_META_KEY: json.dumps({"step_count": step})})
    os.replace(tmp, path)
    return step


def load_weights(trainer: Job, path: Path) -> None:
    """Start a fresh trainer from the weights `copy_weights` wrote (same network)."""
    tensors = load_file(str(path))
    state = trainer.state_dict()
    mine = state["model"]
    given = {k[len("model.") :]: v for k, v in tensors.items()}
    if set(given) != set(mine) or any(given[k].shape != mine[k].shape for k in mine):
        raise ValueError("the weights to start from belong to another network")
    state["model"] = given
    trainer.load_state_dict(state)
