"""Receptive-field algebra along one axis, exact in rational numbers.

Conventions follow Araujo, Norris & Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019: start at the input with
size r = 1, jump j = 1, centre c = 0; a layer with effective kernel
k' = d(k - 1) + 1, stride s and padding p maps
r += (k' - 1) j,  c += ((k' - 1)/2 - p) j,  j *= s.
The effective padding is P = (r - 1)/2 - c, and output unit x sees input
pixels [x j - P, x j - P + r - 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Pair = tuple[int, int]  # (height, width) of a window's kernel, stride, padding or dilation


def _number(v: Fraction) -> int | float:
    """An exact value as an int when whole, else a float (for JSON)."""
    return int(v) if v.denominator == 1 else float(v)


@dataclass(frozen=True)
class AxisField:
    """Receptive field of one output grid along one axis, in input pixels."""

    size: Fraction = Fraction(1)
    jump: Fraction = Fraction(1)
    start: Fraction = Fraction(0)

    @property
    def padding(self) -> Fraction:
        """Effective padding: how far unit 0's field reaches before pixel 0."""
        return (self.size - 1) / 2 - self.start

    def conv(self, k: int, s: int, p: int, d: int = 1) -> AxisField:
        """After a convolution or pooling window (kernel k, stride s, padding p, dilation d)."""
        eff = d * (k - 1) + 1
        return AxisField(
            size=self.size + (eff - 1) * self.jump,
            jump=self.jump * s,
            start=self.start + (Fraction(eff - 1, 2) - p) * self.jump,
        )

    def transposed(self, k: int, s: int, p: int, d: int = 1) -> AxisField:
        """After a transposed convolution: the grid gets finer by s.

        Output unit x gathers input units i with x = i s - p + m d for a tap
        m in 0..k-1; the size is the widest such set over all x (exact), and
        the centre of input unit i's footprint lands on output i s - p + (k'-1)/2.
        """
        eff = d * (k - 1) + 1
        widest = 0
        for x in range(s * max(d, 1) * k + eff):
            taps = [(x + p - m * d) // s for m in range(k) if (x + p - m * d) % s == 0]
            if taps:
                widest = max(widest, max(taps) - min(taps))
        return AxisField(
            size=self.size + widest * self.jump,
            jump=self.jump / s,
            start=self.start + Fraction(p * 2 - (eff - 1), 2 * s) * self.jump,
        )

    @staticmethod
    def union(fields: Sequence[AxisField]) -> AxisField:
        """Unit 0's fields of merged inputs joined: from the first pixel any sees to the last.

        The merged grid keeps the first input's jump (inputs on other grids are warned of).
        """
        lo = min(-f.padding for f in fields)
        hi = max(-f.padding + f.size - 1 for f in fields)
        return AxisField(size=hi - lo + 1, jump=fields[0].jump, start=(lo + hi) / 2)

    def upsample(self, s: int, reach: int) -> AxisField:
        """After upsampling by s; each output reads `reach` + 1 neighbouring inputs.

        Output x sits at input coordinate (x + 1/2)/s - 1/2 (half-pixel
        centres, PyTorch's align_corners=False), so unit 0's centre moves by
        -(s - 1)/(2 s) input units; nearest reads one input, bilinear two.
        """
        return AxisField(
            size=self.size + reach * self.jump,
            jump=self.jump / s,
            start=self.start - Fraction(s - 1, 2 * s) * self.jump,
        )

    def as_json(self) -> dict[str, int | float]:
        """Plain numbers for the contract."""
        return {
            "size": _number(self.size),
            "jump": _number(self.jump),
            "start": _number(self.start),
            "padding": _number(self.padding),
        }


@dataclass(frozen=True)
class Field2d:
    """Receptive field of a spatial node, per axis (height, width)."""

    h: AxisField = AxisField()
    w: AxisField = AxisField()

    def conv(self, k: Pair, s: Pair, p: Pair, d: Pair = (1, 1)) -> Field2d:
        """Both axes through a window op."""
        return Field2d(self.h.conv(k[0], s[0], p[0], d[0]), self.w.conv(k[1], s[1], p[1], d[1]))

    def transposed(self, k: Pair, s: Pair, p: Pair, d: Pair = (1, 1)) -> Field2d:
        """Both axes through a transposed convolution."""
        return Field2d(
            self.h.transposed(k[0], s[0], p[0], d[0]), self.w.transposed(k[1], s[1], p[1], d[1])
        )

    @staticmethod
    def union(fields: Sequence[Field2d]) -> Field2d:
        """Merged inputs' fields joined on each axis separately (a 1x3 and a 3x1 see 3x3)."""
        return Field2d(
            AxisField.union([f.h for f in fields]), AxisField.union([f.w for f in fields])
        )

    def upsample(self, s: int, reach: int) -> Field2d:
        """Both axes through an upsampling."""
        return Field2d(self.h.upsample(s, reach), self.w.upsample(s, reach))

    @property
    def area(self) -> Fraction:
        """Size h x size w, to compare fields."""
        return self.h.size * self.w.size

    def aligned_with(self, other: Field2d) -> bool:
        """Whether two grids coincide (same jump and centre on both axes)."""
        return (
            self.h.jump == other.h.jump
            and self.w.jump == other.w.jump
            and self.h.start == other.h.start
            and self.w.start == other.w.start
        )

    def as_json(self) -> dict[str, list[int | float]]:
        """The contract's `{"size": [h, w], "jump": …, "start": …, "padding": …}`."""
        hj, wj = self.h.as_json(), self.w.as_json()
        return {key: [hj[key], wj[key]] for key in ("size", "jump", "start", "padding")}
