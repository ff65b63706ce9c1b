import { describe, expect, it } from "vitest";
import { rangeOf, scaleXY, sparkline, thin } from "./sparkline";

const box = { width: 100, height: 20, pad: 0 };
const pts = (s: string) => s.split(" ").map((p) => p.split(",").map(Number));

describe("sparkline", () => {
  it("puts the largest value at the top and the smallest at the bottom, first at the left, last at the right", () => {
    const line = sparkline([2, 1.5, 1], box);
    expect(line.count).toBe(3);
    expect(line.log).toBe(false);
    expect(pts(line.points)).toEqual([
      [0, 0],
      [50, 10],
      [100, 20],
    ]);
  });

  it("keeps room for the stroke", () => {
    const line = sparkline([1, 0], { width: 100, height: 20, pad: 2 });
    expect(pts(line.points)).toEqual([
      [2, 2],
      [98, 18],
    ]);
  });

  it("goes logarithmic when a positive loss spans more than a decade", () => {
    const line = sparkline([100, 10, 1], box);
    expect(line.log).toBe(true);
    expect(pts(line.points)[1]).toEqual([50, 10]);
    expect(sparkline([1, -1, 0.001], box).log).toBe(false);
  });

  it("draws a flat series in the middle, a single point centred, and nothing for no values", () => {
    expect(pts(sparkline([3, 3], box).points)).toEqual([
      [0, 10],
      [100, 10],
    ]);
    expect(pts(sparkline([3], box).points)).toEqual([[50, 10]]);
    expect(sparkline([], box)).toMatchObject({ count: 0, points: "" });
  });

  it("skips values that are not finite, keeping the others' places", () => {
    const line = sparkline([1, Number.NaN, null, 0], box);
    expect(line.count).toBe(2);
    expect(pts(line.points)).toEqual([
      [0, 0],
      [100, 20],
    ]);
  });
});

describe("scaleXY", () => {
  it("scales pairs over the given ranges", () => {
    expect(pts(scaleXY([[0, 0], [10, 1]], [0, 10], [0, 1], box))).toEqual([
      [0, 20],
      [100, 0],
    ]);
  });
});

describe("thin and rangeOf", () => {
  it("keeps at most max items, first and last among them", () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const out = thin(items, 50);
    expect(out).toHaveLength(50);
    expect(out[0]).toBe(0);
    expect(out[49]).toBe(999);
    expect(thin([1, 2], 50)).toEqual([1, 2]);
  });

  it("gives a range with room for a flat or empty series", () => {
    expect(rangeOf([1, 3], 0)).toEqual([0, 3]);
    expect(rangeOf([2, 2])).toEqual([1.5, 2.5]);
    expect(rangeOf([])).toEqual([0, 1]);
  });
});
