"""Vectorised drawing of filled shapes into batches of images, for the generated sets."""

from __future__ import annotations

from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.float32]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

SHAPE_NAMES = ("circle", "square", "triangle", "cross")
CIRCLE, SQUARE, TRIANGLE, CROSS = range(4)

# Shapes whose random rotation changes how they look; a circle does not change,
# and a cross turned 45 degrees would read as an "x", a different symbol.
ROTATABLE = (SQUARE, TRIANGLE)

# Images processed per block: bounds the temporaries (a few float32 arrays of
# this many pixels) whatever n_samples is.
BLOCK_PIXELS = 1 << 20


def block_size(image_size: int) -> int:
    """How many images to draw at once."""
    return max(1, BLOCK_PIXELS // (image_size * image_size))


def shape_masks(
    image_size: int,
    kind: IntArray,
    *,
    cx: FloatArray,
    cy: FloatArray,
    radius: FloatArray,
    angle: FloatArray,
) -> BoolArray:
    """Masks [n, H, W] of filled shapes, each fitting in a circle (cx, cy, radius) in pixels."""
    centres = np.arange(image_size, dtype=np.float32) + 0.5  # pixel centres
    dx = centres[None, None, :] - cx[:, None, None]
    dy = centres[None, :, None] - cy[:, None, None]
    cos = np.cos(angle)[:, None, None]
    sin = np.sin(angle)[:, None, None]
    # Coordinates in each shape's own frame (image y points down).
    u = cos * dx + sin * dy
    v = cos * dy - sin * dx
    r = radius[:, None, None]
    masks = np.zeros((len(kind), image_size, image_size), dtype=bool)
    # Sizes are chosen so that the four shapes have about the same area
    # (2.2-2.3 r^2), so that area is not a cue to the class.
    for k in range(len(SHAPE_NAMES)):
        sel = kind == k
        if not sel.any():
            continue
        us, vs, rs = u[sel], v[sel], r[sel]
        if k == CIRCLE:
            m = us * us + vs * vs <= (0.85 * rs) ** 2
        elif k == SQUARE:
            # Half side r / sqrt(2): the corners touch the bounding circle.
            m = np.maximum(np.abs(us), np.abs(vs)) <= rs / np.sqrt(2.0)
        elif k == TRIANGLE:
            # Equilateral, circumradius r, so inradius r / 2: inside all three
            # edges, whose outward normals point down and 120 degrees apart.
            m = np.ones(us.shape, dtype=bool)
            for phi in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3):
                m &= us * np.cos(phi) + vs * np.sin(phi) <= rs / 2
        else:
            # A plus sign; arm 0.95 r and half width 0.3 r keep its corners
            # inside the bounding circle.
            au, av, arm, half = np.abs(us), np.abs(vs), 0.95 * rs, 0.3 * rs
            m = ((au <= half) & (av <= arm)) | ((av <= half) & (au <= arm))
        masks[sel] = m
    return masks


def random_angles(rng: np.random.Generator, kind: IntArray, rotate: bool) -> FloatArray:
    """A random angle per shape for rotatable kinds when `rotate`, else 0."""
    angle = rng.uniform(0, 2 * np.pi, kind.size).astype(np.float32).reshape(kind.shape)
    turn = np.isin(kind, ROTATABLE) & rotate
    return np.where(turn, angle, np.float32(0.0))


def random_placement(
    rng: np.random.Generator, shape: tuple[int, ...], image_size: int, lo: float, hi: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Centres and radii, radius in [lo, hi] * image_size, the shape fully inside."""
    radius = rng.uniform(lo, hi, shape) * image_size
    cx = np.asarray(rng.uniform(radius, image_size - radius))
    cy = np.asarray(rng.uniform(radius, image_size - radius))
    return cx.astype(np.float32), cy.astype(np.float32), radius.astype(np.float32)


def background_colours(rng: np.random.Generator, n: int, channels: int) -> FloatArray:
    """One background colour [n, C] per image: dark grey, or any RGB colour."""
    if channels == 1:
        return rng.uniform(0.0, 0.3, (n, 1)).astype(np.float32)
    return rng.uniform(0.0, 1.0, (n, channels)).astype(np.float32)


def shape_colours(rng: np.random.Generator, background: FloatArray, count: int) -> FloatArray:
    """Colours [n, count, C] for shapes, each clearly different from its image's background."""
    n, channels = background.shape
    if channels == 1:
        # Bright shapes on a dark background: at least 0.3 apart.
        return rng.uniform(0.6, 1.0, (n, count, 1)).astype(np.float32)
    # Random colours, so that colour is no cue to the class; one random channel
    # is then moved 0.35-0.65 (cyclically) from the background's, so the shape
    # always stands out by at least 0.35 in that channel.
    colour = rng.uniform(0.0, 1.0, (n, count, channels))
    channel = rng.integers(0, channels, (n, count))
    offset = rng.uniform(0.35, 0.65, (n, count))
    rows, slots = np.indices((n, count))
    colour[rows, slots, channel] = (background[rows, channel] + offset) % 1.0
    return colour.astype(np.float32)


def add_noise(rng: np.random.Generator, images: FloatArray, noise: float) -> None:
    """Add Gaussian pixel noise of std `noise` in place, clipping to [0, 1]."""
    if noise > 0:
        images += noise * rng.standard_normal(images.shape, dtype=np.float32)
        np.clip(images, 0.0, 1.0, out=images)
