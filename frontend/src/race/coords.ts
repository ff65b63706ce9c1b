// Between the function's coordinates and the plot's pixels: the contour's plot area
// (fixed margins inside the chart) holds exactly the function's domain.

export type Domain = [[number, number], [number, number]];
export type Point = [number, number];

/** The plot area inside the chart, in the chart's own pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Margin {
  l: number;
  r: number;
  t: number;
  b: number;
}

export function plotBox(width: number, height: number, m: Margin): Box {
  return { left: m.l, top: m.t, width: Math.max(1, width - m.l - m.r), height: Math.max(1, height - m.t - m.b) };
}

/** Pixel of a point (y grows upward in the function, downward on screen). */
export function toPixel([x, y]: Point, box: Box, [[x0, x1], [y0, y1]]: Domain): Point {
  return [box.left + ((x - x0) / (x1 - x0)) * box.width, box.top + ((y1 - y) / (y1 - y0)) * box.height];
}

/** The point under a pixel, or null outside the plot area. */
export function toData([px, py]: Point, box: Box, [[x0, x1], [y0, y1]]: Domain): Point | null {
  const fx = (px - box.left) / box.width;
  const fy = (py - box.top) / box.height;
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  return [x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)];
}

/** A clicked point rounded to a thousandth of the domain's width: a start worth reading. */
export function snap([x, y]: Point, [[x0, x1], [y0, y1]]: Domain): Point {
  const round = (v: number, span: number): number => {
    const digits = Math.max(0, Math.ceil(-Math.log10(span / 1000)));
    return Number(v.toFixed(digits));
  };
  return [round(x, x1 - x0), round(y, y1 - y0)];
}

/**
 * A pixel kept within a few plot sizes of the area: a diverging racer's points run to 1e6,
 * hundreds of millions of pixels, which the browser draws badly; beyond the area they are
 * clipped anyway.
 */
export function clampPixel([px, py]: Point, box: Box): Point {
  const limit = (v: number, lo: number, size: number): number => Math.min(lo + 4 * size, Math.max(lo - 3 * size, v));
  return [limit(px, box.left, box.width), limit(py, box.top, box.height)];
}

/**
 * The surface as the contour colours it: log10(1 + f − min f), so that a deep narrow valley
 * (Rosenbrock's f spans 0 to thousands) shows its floor and not only its walls.
 */
export function contourLevels(z: readonly (readonly number[])[]): number[][] {
  let lo = Infinity;
  for (const row of z) for (const v of row) if (Number.isFinite(v) && v < lo) lo = v;
  return z.map((row) => row.map((v) => (Number.isFinite(v) ? Math.log10(1 + v - lo) : NaN)));
}

/** The loss chart's scale: log where every loss is positive, else linear (the saddle goes below 0). */
export function lossAxisType(losses: readonly (readonly number[])[]): "log" | "linear" {
  return losses.every((l) => l.every((v) => !Number.isFinite(v) || v > 0)) ? "log" : "linear";
}
