"""Lecture demos: each a lesson of one concept, with the runs it loads."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from models.lessons import cnns, networks

PRESETS: MappingProxyType[str, dict[str, Any]] = MappingProxyType(
    dict(
        sorted(
            {**networks.LESSONS, **cnns.LESSONS}.items(),
            key=lambda item: int(item[1]["lesson"]["order"]),  # stable: ties keep their place
        )
    )
)
"""Every lesson by name, in the lecture's order."""
