"""The 2-D datasets of TensorFlow Playground, plus two moons."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import BaseModel, Field

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

Array = np.ndarray[Any, np.dtype[np.float64]]

CLASS_NAMES = ["negative (-1)", "positive (+1)"]

# Bounds shared by all 2-D sets: a million points would only freeze the browser's
# scatter plot, and 10 is the least that leaves both a train and a test point.
MIN_SAMPLES = 10
MAX_SAMPLES = 100_000


class _Common2DParams(BaseModel):
    """Params shared by the 2-D datasets."""

    model_config = params_config()

    noise: float = Field(
        0.0, ge=0.0, le=0.5, description="Noise, as a fraction (0 to 0.5; the Playground's 0-50)."
    )
    train_fraction: float = train_fraction_field(0.5)
    seed: int = seed_field()


class Classify2DParams(_Common2DParams):
    """Params of the 2-D classification datasets."""

    n_samples: int = Field(
        500, ge=MIN_SAMPLES, le=MAX_SAMPLES, description="Number of points, train and test."
    )


class Regress2DParams(_Common2DParams):
    """Params of the 2-D regression datasets."""

    n_samples: int = Field(
        1200, ge=MIN_SAMPLES, le=MAX_SAMPLES, description="Number of points, train and test."
    )


# --- The formulas, after TensorFlow Playground `src/dataset.ts` -----------------


def circle_label(x: Array, y: Array) -> Array:
    """+1 inside radius 2.5 (half of R = 5), else -1 (dataset.ts, getCircleLabel)."""
    return np.where(np.hypot(x, y) < 2.5, 1.0, -1.0)


def xor_label(x: Array, y: Array) -> Array:
    """+1 where x * y >= 0, else -1 (dataset.ts, getXORLabel)."""
    return np.where(x * y >= 0, 1.0, -1.0)


def plane_target(x: Array, y: Array) -> Array:
    """(x + y) / 10: d3 scale [-10, 10] -> [-1, 1] of x + y (dataset.ts, regressPlane)."""
    return (x + y) / 10.0


# (cx, cy, sign) of dataset.ts `regressGaussian`; order matters for ties.
MULTIGAUSS_CENTRES = (
    (-4.0, 2.5, 1.0),
    (0.0, 2.5, -1.0),
    (4.0, 2.5, 1.0),
    (-4.0, -2.5, -1.0),
    (0.0, -2.5, 1.0),
    (4.0, -2.5, -1.0),
)


def multigauss_target(x: Array, y: Array) -> Array:
    """Signed bump of the nearest-strongest centre (dataset.ts, regressGaussian)."""
    label = np.zeros(np.broadcast(x, y).shape)
    for cx, cy, sign in MULTIGAUSS_CENTRES:
        # d3 scale domain [0, 2] -> range [1, 0], clamped: max(0, 1 - dist / 2).
        value = sign * np.clip(1.0 - np.hypot(x - cx, y - cy) / 2.0, 0.0, 1.0)
        # Strictly greater, as in dataset.ts: the earlier centre wins ties.
        label = np.where(np.abs(value) > np.abs(label), value, label)
    return label


def _halves(n: int) -> tuple[int, int]:
    """Points per class, first class first."""
    # dataset.ts loops `i < n / 2` once per class, which gives n + 1 points for
    # odd n; the extra point goes to the first class so that exactly n come out.
    return n - n // 2, n // 2


def generate_circle(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """dataset.ts classifyCircleData: a disc and a ring, labelled by the noisy point."""
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    # Noise moves only the point used for the label; the stored point is clean.
    nx, ny = rng.uniform(-radius, radius, (2, n)) * noise
    return np.stack([x, y], 1), circle_label(x + nx, y + ny)


def generate_xor(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """dataset.ts classifyXORData: uniform square, pushed 0.3 off the axes."""
    padding = 0.3
    x, y = rng.uniform(-5, 5, (2, n))
    x = x + np.where(x > 0, padding, -padding)
    y = y + np.where(y > 0, padding, -padding)
    nx, ny = rng.uniform(-5, 5, (2, n)) * noise
    return np.stack([x, y], 1), xor_label(x + nx, y + ny)


def generate_gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """dataset.ts classifyTwoGaussData: two blobs at (2, 2) (+1) and (-2, -2) (-1)."""
    # d3 scale domain [0, 0.5] -> range [0.5, 4] of the noise gives the variance;
    # normalRandom(mean, variance) draws mean + sqrt(variance) * N(0, 1).
    std = np.sqrt(0.5 + 7.0 * noise)
    n_pos, n_neg = _halves(n)
    centre = np.concatenate([np.full(n_pos, 2.0), np.full(n_neg, -2.0)])
    points = centre[:, None] + std * rng.standard_normal((n, 2))
    return points, np.where(centre > 0, 1.0, -1.0)


def generate_spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """dataset.ts classifySpiralData: two arms, r = 5i/n', t = 1.75 * 2pi * i/n' + d."""
    half = n / 2  # n' in dataset.ts: numSamples / 2, kept fractional for odd n
    xs, ys, labels = [], [], []
    for count, delta, label in zip(_halves(n), (0.0, np.pi), (1.0, -1.0), strict=True):
        i = np.arange(count)
        r = i / half * 5
        t = 1.75 * i / half * 2 * np.pi + delta
        xs.append(r * np.sin(t) + rng.uniform(-1, 1, count) * noise)
        ys.append(r * np.cos(t) + rng.uniform(-1, 1, count) * noise)
        labels.append(np.full(count, label))
    return np.stack([np.concatenate(xs), np.concatenate(ys)], 1), np.concatenate(labels)


def generate_moons(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """Two interleaving half circles as sklearn.datasets.make_moons, scaled to about [-6, 6]."""
    n_out, n_in = n - n // 2, n // 2
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    # make_moons: outer (cos t, sin t), inner (1 - cos t, 0.5 - sin t); Gaussian
    # noise with std `noise` in those units.
    x = np.concatenate([np.cos(t_out), 1 - np.cos(t_in)])
    y = np.concatenate([np.sin(t_out), 0.5 - np.sin(t_in)])
    points = np.stack([x, y], 1) + rng.standard_normal((n, 2)) * noise
    # The clean moons span x in [-1, 2], y in [-0.5, 1]: centre and scale by 4 so
    # x spans [-6, 6] like the Playground's other sets.
    points = (points - np.array([0.5, 0.25])) * 4.0
    return points, np.concatenate([np.full(n_out, -1.0), np.full(n_in, 1.0)])


def generate_plane(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """dataset.ts regressPlane: uniform in [-6, 6]^2, target of the noisy point."""
    radius = 6.0
    x, y = rng.uniform(-radius, radius, (2, n))
    nx, ny = rng.uniform(-radius, radius, (2, n)) * noise
    return np.stack([x, y], 1), plane_target(x + nx, y + ny)


def generate_multigauss(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    """dataset.ts regressGaussian: uniform in [-6, 6]^2, six signed bumps."""
    radius = 6.0
    x, y = rng.uniform(-radius, radius, (2, n))
    nx, ny = rng.uniform(-radius, radius, (2, n)) * noise
    return np.stack([x, y], 1), multigauss_target(x + nx, y + ny)


# --- Registry entries -------------------------------------------------------------


class Playground2D(DatasetDef):
    """A 2-D dataset: points (x, y) with a label +1/-1 or a real target."""

    @abstractmethod
    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """Points [n, 2] and labels (+1/-1) or targets [n], in generation order."""

    def _params(self, params: BaseModel) -> Classify2DParams | Regress2DParams:
        """Narrow params to this set's model (validating them if needed)."""
        if self.task == "regression":
            return validate_params(Regress2DParams, params, self.name)
        return validate_params(Classify2DParams, params, self.name)

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from the params alone."""
        p = self._params(params)
        n_train, n_test = split_sizes(p.n_samples, p.train_fraction)
        regression = self.task == "regression"
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_shape=(2,),
            target_shape=(1,) if regression else (),
            n_classes=0 if regression else 2,
            class_names=[] if regression else list(CLASS_NAMES),
            n_train=n_train,
            n_test=n_test,
            description=self.description,
        )

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Generate, shuffle and split (TensorFlow Playground: shuffle, then cut)."""
        p = self._params(params)
        rng = np.random.default_rng(p.seed)
        points, labels = self.generate(rng, p.n_samples, p.noise)
        train, test = shuffle_split(p.n_samples, p.train_fraction, rng)
        x = torch.from_numpy(points.astype(np.float32))
        if self.task == "regression":
            y = torch.from_numpy(labels.astype(np.float32)).unsqueeze(1)
        else:
            # Playground labels +1 / -1 become classes 1 / 0.
            y = torch.from_numpy((labels > 0).astype(np.int64))
        tr, te = torch.from_numpy(train), torch.from_numpy(test)
        return Dataset(self.describe(p, data_dir), x[tr], y[tr], x[te], y[te])


class Circle(Playground2D):
    """TensorFlow Playground's circle."""

    name: ClassVar[str] = "circle"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "A disc of one class inside a ring of the other."
    Params: ClassVar[type[BaseModel]] = Classify2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_circle."""
        return generate_circle(rng, n, noise)


class Xor(Playground2D):
    """TensorFlow Playground's exclusive or."""

    name: ClassVar[str] = "xor"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "Four quadrants: the class is whether x and y have the same sign."
    Params: ClassVar[type[BaseModel]] = Classify2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_xor."""
        return generate_xor(rng, n, noise)


class Gauss(Playground2D):
    """TensorFlow Playground's two Gaussians."""

    name: ClassVar[str] = "gauss"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "Two Gaussian blobs, one per class; noise makes them overlap."
    Params: ClassVar[type[BaseModel]] = Classify2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_gauss."""
        return generate_gauss(rng, n, noise)


class Spiral(Playground2D):
    """TensorFlow Playground's spiral."""

    name: ClassVar[str] = "spiral"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "Two interleaved spiral arms, one per class: hard for a line."
    Params: ClassVar[type[BaseModel]] = Classify2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_spiral."""
        return generate_spiral(rng, n, noise)


class Moons(Playground2D):
    """Two moons, as scikit-learn's make_moons."""

    name: ClassVar[str] = "moons"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "Two interleaving half circles, one per class."
    Params: ClassVar[type[BaseModel]] = Classify2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_moons."""
        return generate_moons(rng, n, noise)


class Plane(Playground2D):
    """TensorFlow Playground's plane regression."""

    name: ClassVar[str] = "plane"
    task: ClassVar[Task] = "regression"
    description: ClassVar[str] = "Regression: the target is (x + y) / 10, a tilted plane."
    Params: ClassVar[type[BaseModel]] = Regress2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_plane."""
        return generate_plane(rng, n, noise)


class MultiGauss(Playground2D):
    """TensorFlow Playground's multi-Gaussian regression."""

    name: ClassVar[str] = "multigauss"
    task: ClassVar[Task] = "regression"
    description: ClassVar[str] = "Regression: six bumps, up or down, on a flat zero plane."
    Params: ClassVar[type[BaseModel]] = Regress2DParams

    def generate(self, rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        """See generate_multigauss."""
        return generate_multigauss(rng, n, noise)
