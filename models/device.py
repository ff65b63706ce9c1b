"""Choosing the torch device from a setting such as auto, cpu, cuda or cuda:1."""

from __future__ import annotations

import torch


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """The device for a setting; `auto` takes CUDA when present. ValueError if unusable."""
    if isinstance(name, torch.device):
        return name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise ValueError(f"unknown device '{name}': use auto, cpu, cuda or cuda:N") from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device '{name}' asked for, but this machine has no usable CUDA GPU")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device '{name}' asked for, but only {torch.cuda.device_count()} GPUs exist"
            )
    elif device.type != "cpu":
        raise ValueError(f"device '{name}' is not supported: use auto, cpu, cuda or cuda:N")
    return device
