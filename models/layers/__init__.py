"""The layer registry and the types its entries are made of."""

from models.layers.base import CATEGORIES, Category, Example, Layer, LayerParams, Shape
from models.layers.registry import LAYERS, layer_catalog

__all__ = [
    "CATEGORIES",
    "LAYERS",
    "Category",
    "Example",
    "Layer",
    "LayerParams",
    "Shape",
    "layer_catalog",
]
