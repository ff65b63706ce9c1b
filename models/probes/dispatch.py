"""One entry point for every probe topic, given a trainer: what the worker calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.errors import ShapeError
from models.probes.activations import activation_stats
from models.probes.boundary import decision_boundary
from models.probes.erf import effective_receptive_field
from models.probes.feature_maps import feature_maps
from models.probes.params import gradient_stats, weight_stats
from models.probes.predictions import confusion, predictions, segmentation_masks
from models.probes.result import ProbeResult
from models.train import Trainer

NODE_TOPICS = ("activations", "feature_maps", "weights", "gradients", "erf")
RUN_TOPICS = ("decision_boundary", "predictions", "confusion", "segmentation")
TOPICS = NODE_TOPICS + RUN_TOPICS
BATCH = 64  # probe batch: the first samples of the test set, the same every time


class ProbeError(ValueError):
    """A probe that does not apply (unknown topic or node, wrong kind of node or dataset)."""


def split_topic(topic: str, node: str | None = None) -> tuple[str, str | None]:
    """('erf', 'c1') from 'erf:c1', or from 'erf' and node='c1'."""
    name, _, suffix = topic.partition(":")
    return name, suffix or node


def run_probe(
    trainer: Trainer, topic: str, node: str | None = None, options: Mapping[str, Any] | None = None
) -> ProbeResult:
    """Compute one probe on the trainer's model now (leaves training untouched)."""
    name, node = split_topic(topic, node)
    options = options or {}
    net, data, info = trainer.model, trainer.data, trainer.info
    x, y = data.x_test[:BATCH], data.y_test[:BATCH]
    if name not in TOPICS:
        raise ProbeError(f"unknown probe '{name}'; probes: {', '.join(TOPICS)}")
    if name in NODE_TOPICS:
        if node is None:
            raise ProbeError(f"the {name} probe needs a node")
        if node not in net.shapes:
            raise ProbeError(f"no node '{node}' in this network")
    try:
        if name == "activations":
            return activation_stats(net, node or "", x)
        if name == "feature_maps":
            sample = int(options.get("sample", 0))
            if not 0 <= sample < len(data.x_test):
                raise ProbeError(f"sample must be 0..{len(data.x_test) - 1}")
            return feature_maps(net, node or "", data.x_test[sample])
        if name == "weights":
            return weight_stats(net, node or "")
        if name == "gradients":
            return gradient_stats(net, trainer.objective, x, y, node)
        if name == "erf":
            squared = options.get("reduction") == "square"
            return effective_receptive_field(net, node or "", x, "square" if squared else "abs")
        if name == "decision_boundary":
            return decision_boundary(net, resolution=int(options.get("resolution", 48)))
        if info.task == "regression":
            raise ProbeError(f"{name} needs a classification dataset")
        if name == "segmentation":
            if info.task != "segmentation":
                raise ProbeError("segmentation needs a segmentation dataset")
            return segmentation_masks(net, x, y, info.n_classes)
        if info.task == "segmentation":
            raise ProbeError(f"{name} is for whole-image classes; use the segmentation probe")
        if name == "predictions":
            return predictions(net, x, y)
        return confusion(net, data.x_test, data.y_test, info.n_classes)
    except ShapeError as exc:
        raise ProbeError(exc.message) from exc
