"""How alike two pixels of an image set are, against how far apart they are.

The correlation at distance d is Pearson's, over every pair of pixels d apart (across
and down) in every image, position and channel. Nearby pixels of natural images are
strongly correlated and the correlation falls off with distance roughly as a power law,
c(d) = a d^-b: the locality that convolutions exploit.
"""

from __future__ import annotations

import math

import torch

from models.probes.result import ProbeResult

MAX_IMAGES = 512  # images the correlation is measured on (enough pairs, quick to redo)
CHUNK = 128  # images multiplied at once


def _pair_sums(x: torch.Tensor, d: int) -> torch.Tensor:
    """[n, Σu, Σv, Σu², Σv², Σuv] over the pixel pairs (u, v) d apart, across and down."""
    rows = []
    for u, v in ((x[..., :, :-d], x[..., :, d:]), (x[..., :-d, :], x[..., d:, :])):
        n = torch.tensor(float(u.numel()), dtype=torch.float64)
        rows.append(torch.stack([n, u.sum(), v.sum(), (u * u).sum(), (v * v).sum(), (u * v).sum()]))
    return rows[0] + rows[1]


def _pearson(sums: torch.Tensor) -> float:
    """The correlation of the pairs whose sums these are (0 when either side is constant)."""
    n, su, sv, suu, svv, suv = sums.tolist()
    cov = suv / n - (su / n) * (sv / n)
    var_u, var_v = suu / n - (su / n) ** 2, svv / n - (sv / n) ** 2
    return cov / math.sqrt(var_u * var_v) if var_u > 0 and var_v > 0 else 0.0


def power_law(distances: list[int], values: list[float]) -> tuple[float, float, float] | None:
    """(a, b, r2) of the least-squares line log c = log a - b log d, over the positive values."""
    points = [(math.log(d), math.log(c)) for d, c in zip(distances, values, strict=True) if c > 0]
    if len(points) < 3:
        return None
    xs, ys = torch.tensor([p[0] for p in points]), torch.tensor([p[1] for p in points])
    xm, ym = xs.mean(), ys.mean()
    slope = float(((xs - xm) * (ys - ym)).sum() / ((xs - xm) ** 2).sum())
    intercept = float(ym - slope * xm)
    residual = float(((ys - (intercept + slope * xs)) ** 2).sum())
    spread = float(((ys - ym) ** 2).sum())
    return math.exp(intercept), -slope, 1.0 - residual / spread if spread else 1.0


@torch.no_grad()
def pixel_correlation(images: torch.Tensor, max_distance: int | None = None) -> ProbeResult:
    """The correlation of pixel pairs at distances 1..D on images [N, C, H, W], with its fit."""
    x = images[:MAX_IMAGES]
    _, _, h, w = x.shape
    reach = min(max_distance or max(1, min(h, w) // 2), h - 1, w - 1)
    distances = list(range(1, reach + 1))
    sums = torch.zeros(len(distances), 6, dtype=torch.float64)
    for start in range(0, len(x), CHUNK):  # a chunk at a time: memory stays bounded
        chunk = x[start : start + CHUNK].double()
        for i, d in enumerate(distances):
            sums[i] += _pair_sums(chunk, d)
    values = [_pearson(row) for row in sums]
    fit = power_law(distances, values)
    meta = {
        "distances": distances,
        "correlation": values,
        "images": int(x.shape[0]),
        "fit": None if fit is None else {"a": fit[0], "b": fit[1], "r2": fit[2]},
    }
    return ProbeResult("pixel_correlation", None, meta)
