"""LayerLab's pure-PyTorch core: specs, layers, shapes, receptive fields, data, training."""

from models.analysis import ValidationReport, validate_network
from models.build import Network, build_network
from models.datasets import (
    DATASETS,
    Dataset,
    DatasetError,
    DatasetInfo,
    describe_dataset,
    load_dataset,
)
from models.errors import InvalidSpecError, SpecError
from models.layers import LAYERS, layer_catalog
from models.optim import TrainingConfig
from models.receptive import receptive_fields
from models.shapes import infer_shapes
from models.spec import NetworkSpec, load_spec
from models.train import MetricsRow, StepResult, Trainer

__all__ = [
    "DATASETS",
    "LAYERS",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "InvalidSpecError",
    "MetricsRow",
    "Network",
    "NetworkSpec",
    "SpecError",
    "StepResult",
    "Trainer",
    "TrainingConfig",
    "ValidationReport",
    "build_network",
    "describe_dataset",
    "infer_shapes",
    "layer_catalog",
    "load_dataset",
    "load_spec",
    "receptive_fields",
    "validate_network",
]
