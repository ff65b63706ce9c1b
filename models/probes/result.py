"""The shape every probe answers in: metadata plus named arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass(frozen=True)
class ProbeResult:
    """One probe's answer: small JSON-able metadata and a few arrays (on the CPU)."""

    topic: str
    node: str | None
    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, torch.Tensor] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Everything as plain JSON (arrays as nested lists), for the REST answer."""
        return {
            "topic": self.topic,
            "node": self.node,
            **self.meta,
            "arrays": {
                name: {
                    "shape": list(a.shape),
                    "dtype": str(a.dtype).removeprefix("torch."),
                    "data": a.tolist(),
                }
                for name, a in self.arrays.items()
            },
        }
