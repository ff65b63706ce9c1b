"""Summaries of a tensor's values: moments and a histogram."""

from __future__ import annotations

from typing import Any

import torch

HIST_BINS = 32


def summary(values: torch.Tensor, bins: int = HIST_BINS) -> dict[str, Any]:
    """Mean, std, min, max and a histogram (edges and counts) of all finite values."""
    flat = values.detach().float().flatten()
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0:
        return {
            "mean": None,
            "std": None,
            "min": None,
            "max": None,
            "hist_edges": [],
            "hist_counts": [],
        }
    lo, hi = float(flat.min()), float(flat.max())
    if hi <= lo:
        hi = lo + 1e-6
    counts = torch.histc(flat, bins=bins, min=lo, max=hi)
    edges = torch.linspace(lo, hi, bins + 1)
    return {
        "mean": float(flat.mean()),
        "std": float(flat.std()) if flat.numel() > 1 else 0.0,
        "min": lo,
        "max": float(flat.max()),
        "hist_edges": edges.tolist(),
        "hist_counts": [int(c) for c in counts.tolist()],
    }
