"""Image datasets built in: scikit-learn's digits, generated shapes and segmentation scenes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from models.datasets.base import (
    Dataset,
    DatasetDef,
    DatasetInfo,
    Task,
    params_config,
    seed_field,
    shuffle_split,
    split_sizes,
    train_fraction_field,
    validate_params,
)
from models.datasets.draw import (
    SHAPE_NAMES,
    FloatArray,
    IntArray,
    add_noise,
    background_colours,
    block_size,
    random_angles,
    random_placement,
    shape_colours,
    shape_masks,
)

# load_digits() always returns the same 1797 images; knowing the count lets
# describe() answer without reading the bundled file.
DIGITS_COUNT = 1797

# Generated sets may take at most this much memory (float32 images plus int64
# label maps); the per-field bounds alone would allow 2.5 GB.
MAX_BYTES = 512 * 2**20


def _too_large(n_bytes: int) -> PydanticCustomError:
    """The error for a request over MAX_BYTES, attributed to n_samples."""
    return PydanticCustomError(
        "too_large",
        "would need {mb} MB; at most {max_mb} MB: lower n_samples, image_size or channels",
        {"field": "n_samples", "mb": n_bytes // 2**20, "max_mb": MAX_BYTES // 2**20},
    )


def _noise_field() -> Any:
    """The `noise` param of the generated image sets."""
    return Field(0.0, ge=0.0, le=0.5, description="Std of Gaussian pixel noise (pixels in 0-1).")


def _channels_field() -> Any:
    """The `channels` param of the generated image sets."""
    return Field(
        1,
        description="1: grey images; 3: colour images with random colours (colour is no cue).",
    )


def _rotate_field() -> Any:
    """The `rotate` param of the generated image sets."""
    return Field(True, description="Turn squares and triangles by a random angle.")


class DigitsParams(BaseModel):
    """Params of `digits`."""

    model_config = params_config()

    train_fraction: float = train_fraction_field(0.8)
    seed: int = seed_field()


class ShapesParams(BaseModel):
    """Params of `shapes`."""

    model_config = params_config()

    n_samples: int = Field(2000, ge=20, le=50_000, description="Number of images, train and test.")
    image_size: int = Field(28, ge=16, le=64, description="Height and width of the images, pixels.")
    channels: Literal[1, 3] = _channels_field()
    noise: float = _noise_field()
    rotate: bool = _rotate_field()
    train_fraction: float = train_fraction_field(0.8)
    seed: int = seed_field()

    @model_validator(mode="after")
    def _fits_in_memory(self) -> ShapesParams:
        """Refuse sets larger than MAX_BYTES."""
        n_bytes = self.n_samples * self.channels * self.image_size**2 * 4
        if n_bytes > MAX_BYTES:
            raise _too_large(n_bytes)
        return self


class SegmentationParams(BaseModel):
    """Params of `segmentation`."""

    model_config = params_config()

    n_samples: int = Field(1000, ge=20, le=20_000, description="Number of scenes, train and test.")
    image_size: int = Field(32, ge=16, le=64, description="Height and width of the images, pixels.")
    channels: Literal[1, 3] = _channels_field()
    max_objects: int = Field(
        3, ge=1, le=6, description="Most shapes per scene; each scene has 1 to this many."
    )
    noise: float = _noise_field()
    rotate: bool = _rotate_field()
    train_fraction: float = train_fraction_field(0.8)
    seed: int = seed_field()

    @model_validator(mode="after")
    def _fits_in_memory(self) -> SegmentationParams:
        """Refuse sets larger than MAX_BYTES."""
        # float32 image plus int64 label map per pixel.
        n_bytes = self.n_samples * self.image_size**2 * (4 * self.channels + 8)
        if n_bytes > MAX_BYTES:
            raise _too_large(n_bytes)
        return self


def _split(
    info: DatasetInfo, x: FloatArray, y: IntArray, train_fraction: float, rng: np.random.Generator
) -> Dataset:
    """Shuffle and split numpy arrays into a Dataset."""
    train, test = shuffle_split(len(x), train_fraction, rng)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    tr, te = torch.from_numpy(train), torch.from_numpy(test)
    return Dataset(info, xt[tr], yt[tr], xt[te], yt[te])


class Digits(DatasetDef):
    """scikit-learn's bundled 8x8 handwritten digits (UCI), real data, no download."""

    name: ClassVar[str] = "digits"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "1797 real handwritten digits, 8x8 pixels, 10 classes."
    Params: ClassVar[type[BaseModel]] = DigitsParams

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from the params and the known size of the set."""
        p = validate_params(DigitsParams, params, self.name)
        n_train, n_test = split_sizes(DIGITS_COUNT, p.train_fraction)
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_shape=(1, 8, 8),
            target_shape=(),
            n_classes=10,
            class_names=[str(d) for d in range(10)],
            n_train=n_train,
            n_test=n_test,
            description=self.description,
        )

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Read the bundled digits, scale to [0, 1], shuffle and split."""
        # Imported here: scikit-learn takes a second to import, and only this
        # dataset needs it.
        from sklearn.datasets import load_digits  # noqa: PLC0415

        p = validate_params(DigitsParams, params, self.name)
        bunch = load_digits()
        # Pixel values are counts 0..16 (of a 4x4 block of a 32x32 bitmap).
        x = (np.asarray(bunch.images, dtype=np.float32) / 16.0)[:, None]
        y = np.asarray(bunch.target, dtype=np.int64)
        if len(x) != DIGITS_COUNT:
            raise RuntimeError(f"scikit-learn's digits has {len(x)} images, not {DIGITS_COUNT}")
        rng = np.random.default_rng(p.seed)
        return _split(self.describe(p, data_dir), x, y, p.train_fraction, rng)


class Shapes(DatasetDef):
    """Generated images of one filled shape each, at a random place and size."""

    name: ClassVar[str] = "shapes"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = (
        "Generated circles, squares, triangles and crosses at random places and sizes."
    )
    Params: ClassVar[type[BaseModel]] = ShapesParams

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from the params alone."""
        p = validate_params(ShapesParams, params, self.name)
        n_train, n_test = split_sizes(p.n_samples, p.train_fraction)
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_shape=(p.channels, p.image_size, p.image_size),
            target_shape=(),
            n_classes=len(SHAPE_NAMES),
            class_names=list(SHAPE_NAMES),
            n_train=n_train,
            n_test=n_test,
            description=self.description,
        )

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Draw the images, shuffle and split."""
        p = validate_params(ShapesParams, params, self.name)
        rng = np.random.default_rng(p.seed)
        n, size = p.n_samples, p.image_size
        # Classes in equal numbers (in shuffled order), so every class is present.
        kind = rng.permutation(np.arange(n) % len(SHAPE_NAMES)).astype(np.int64)
        cx, cy, radius = random_placement(rng, (n,), size, 0.2, 0.42)
        angle = random_angles(rng, kind, p.rotate)
        background = background_colours(rng, n, p.channels)
        colour = shape_colours(rng, background, 1)[:, 0]
        images = np.empty((n, p.channels, size, size), dtype=np.float32)
        step = block_size(size)
        for start in range(0, n, step):
            s = slice(start, start + step)
            mask = shape_masks(size, kind[s], cx=cx[s], cy=cy[s], radius=radius[s], angle=angle[s])[
                :, None
            ]
            images[s] = np.where(mask, colour[s, :, None, None], background[s, :, None, None])
        add_noise(rng, images, p.noise)
        return _split(self.describe(p, data_dir), images, kind, p.train_fraction, rng)


class Segmentation(DatasetDef):
    """Generated scenes of several shapes with a per-pixel class map."""

    name: ClassVar[str] = "segmentation"
    task: ClassVar[Task] = "segmentation"
    description: ClassVar[str] = (
        "Generated scenes of overlapping shapes; label every pixel with its shape or background."
    )
    Params: ClassVar[type[BaseModel]] = SegmentationParams

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from the params alone."""
        p = validate_params(SegmentationParams, params, self.name)
        n_train, n_test = split_sizes(p.n_samples, p.train_fraction)
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_shape=(p.channels, p.image_size, p.image_size),
            target_shape=(p.image_size, p.image_size),
            n_classes=len(SHAPE_NAMES) + 1,
            class_names=["background", *SHAPE_NAMES],
            n_train=n_train,
            n_test=n_test,
            description=self.description,
        )

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Draw the scenes and their label maps, shuffle and split."""
        p = validate_params(SegmentationParams, params, self.name)
        rng = np.random.default_rng(p.seed)
        n, size, slots = p.n_samples, p.image_size, p.max_objects
        count = rng.integers(1, slots + 1, n)
        kind = rng.integers(0, len(SHAPE_NAMES), (n, slots))
        cx, cy, radius = random_placement(rng, (n, slots), size, 0.12, 0.28)
        angle = random_angles(rng, kind.ravel(), p.rotate).reshape(n, slots)
        background = background_colours(rng, n, p.channels)
        colour = shape_colours(rng, background, slots)
        images = np.empty((n, p.channels, size, size), dtype=np.float32)
        labels = np.zeros((n, size, size), dtype=np.int64)
        step = block_size(size)
        for start in range(0, n, step):
            s = slice(start, start + step)
            img = np.broadcast_to(background[s, :, None, None], images[s].shape).copy()
            lab = labels[s]
            # Later objects are drawn over earlier ones, in image and labels alike.
            for j in range(slots):
                active = (count[s] > j)[:, None, None]
                mask = active & shape_masks(
                    size,
                    kind[s, j],
                    cx=cx[s, j],
                    cy=cy[s, j],
                    radius=radius[s, j],
                    angle=angle[s, j],
                )
                np.copyto(lab, (kind[s, j] + 1)[:, None, None], where=mask)
                img = np.where(mask[:, None], colour[s, j, :, None, None], img)
            images[s] = img
        add_noise(rng, images, p.noise)
        return _split(self.describe(p, data_dir), images, labels, p.train_fraction, rng)
