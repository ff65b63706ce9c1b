import { describe, expect, test } from "vitest";
import { clampPixel, contourLevels, lossAxisType, plotBox, snap, toData, toPixel, type Domain } from "./coords";

const rosenbrock: Domain = [
  [-2, 2],
  [-1, 3],
];
const box = plotBox(500, 400, { l: 40, r: 10, t: 10, b: 30 });

describe("coordinates", () => {
  test("the plot area is the chart less its margins", () => {
    expect(box).toEqual({ left: 40, top: 10, width: 450, height: 360 });
  });

  test("the domain's corners sit at the area's corners, y upward", () => {
    expect(toPixel([-2, 3], box, rosenbrock)).toEqual([40, 10]);
    expect(toPixel([2, -1], box, rosenbrock)).toEqual([490, 370]);
    expect(toPixel([0, 1], box, rosenbrock)).toEqual([265, 190]);
  });

  test("a click's pixel is the point drawn there", () => {
    for (const p of [
      [1, 1],
      [-1.5, 2],
      [0.25, -0.75],
    ] as [number, number][]) {
      const back = toData(toPixel(p, box, rosenbrock), box, rosenbrock);
      expect(back?.[0]).toBeCloseTo(p[0], 9);
      expect(back?.[1]).toBeCloseTo(p[1], 9);
    }
  });

  test("a click outside the area (on an axis's labels) is no point", () => {
    expect(toData([20, 100], box, rosenbrock)).toBeNull();
    expect(toData([100, 380], box, rosenbrock)).toBeNull();
  });

  test("a start is rounded to a thousandth of the domain", () => {
    expect(snap([0.123456, -0.98765], rosenbrock)).toEqual([0.123, -0.988]);
    expect(snap([3.14159, 2.71828], [[-10, 10], [-10, 10]])).toEqual([3.14, 2.72]);
  });

  test("far pixels are pulled in to a few plot sizes", () => {
    expect(clampPixel([1e9, -1e9], box)).toEqual([40 + 4 * 450, 10 - 3 * 360]);
    expect(clampPixel([100, 100], box)).toEqual([100, 100]);
  });
});

describe("contours and the loss's scale", () => {
  test("contour levels are log10(1 + f − min f)", () => {
    expect(contourLevels([[1, 10], [100, NaN]])).toEqual([[0, Math.log10(10)], [Math.log10(100), NaN]]);
  });

  test("log scale unless a loss goes to 0 or below", () => {
    expect(lossAxisType([[3, 1, 0.001], [2, NaN]])).toBe("log");
    expect(lossAxisType([[1, 0.5], [0.2, -3]])).toBe("linear");
  });
});
