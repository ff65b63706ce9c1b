"""One entry point for every probe topic: parse the topic, check the node, run its entry."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from models.errors import ShapeError
from models.probes.registry import PROBES, Probed, ProbeError
from models.probes.result import ProbeResult

__all__ = ["PROBES", "ProbeError", "check_topic", "is_probe_topic", "run_probe", "split_topic"]


def split_topic(topic: str, node: str | None = None) -> tuple[str, str | None]:
    """('erf', 'c1') from 'erf:c1', or from 'erf' and node='c1'."""
    name, _, suffix = topic.partition(":")
    return name, suffix or node


def is_probe_topic(topic: str) -> bool:
    """Whether a stream topic names a registered probe ('erf:c1', 'confusion')."""
    return topic.partition(":")[0] in PROBES


def check_topic(
    topic: str, nodes: Collection[str], options: Mapping[str, Any] | None = None
) -> None:
    """ProbeError unless the topic names a probe, a node it can look at, and good options."""
    name, node = split_topic(topic)
    entry = PROBES.get(name)
    if entry is None:
        raise ProbeError(f"unknown topic '{topic}'; probes: {', '.join(PROBES)}")
    if entry.scope == "node" and node is None:
        raise ProbeError(f"the {name} probe needs a node: '{name}:<node id>'")
    if entry.scope == "run" and node is not None:
        raise ProbeError(f"the {name} probe is of the whole run: '{name}', without a node")
    if node is not None and node not in nodes:
        raise ProbeError(f"no node '{node}' in this run's network (topic '{topic}')")
    try:
        entry.Options.model_validate(dict(options or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ProbeError(f"{name} option {where}: {err['msg']}") from exc


def run_probe(
    on: Probed, topic: str, node: str | None = None, options: Mapping[str, Any] | None = None
) -> ProbeResult:
    """Compute one probe on the model now (leaves training untouched)."""
    name, node = split_topic(topic, node)
    entry = PROBES.get(name)
    if entry is None:
        raise ProbeError(f"unknown probe '{name}'; probes: {', '.join(PROBES)}")
    if entry.scope == "node":
        if node is None:
            raise ProbeError(f"the {name} probe needs a node")
        if node not in on.model.shapes:
            raise ProbeError(f"no node '{node}' in this network")
    try:
        parsed = entry.Options.model_validate(dict(options or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ProbeError(f"{name} option {where}: {err['msg']}") from exc
    try:
        return entry.compute(on, node or "", parsed)
    except ShapeError as exc:
        raise ProbeError(exc.message) from exc
