"""Probes: what a network computes inside, as small arrays plus metadata (pure PyTorch)."""

from models.probes.activations import activation_stats
from models.probes.boundary import decision_boundary
from models.probes.erf import effective_receptive_field
from models.probes.feature_maps import feature_maps
from models.probes.hooks import capture_outputs, inspection
from models.probes.params import gradient_stats, weight_stats
from models.probes.predictions import confusion, predictions, segmentation_masks, tiled

__all__ = [
    "activation_stats",
    "capture_outputs",
    "confusion",
    "decision_boundary",
    "effective_receptive_field",
    "feature_maps",
    "gradient_stats",
    "inspection",
    "predictions",
    "segmentation_masks",
    "tiled",
    "weight_stats",
]
