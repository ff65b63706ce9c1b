"""Built-in datasets: TensorFlow Playground's 2-D sets, generated and real images."""

from models.datasets.base import Dataset, DatasetDef, DatasetError, DatasetInfo, Task
from models.datasets.registry import DATASETS, describe_dataset, load_dataset

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetDef",
    "DatasetError",
    "DatasetInfo",
    "Task",
    "describe_dataset",
    "load_dataset",
]
