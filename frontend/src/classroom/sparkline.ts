// A small loss curve for the grid (and the spotlight's curves): values scaled into a box,
// as the points of an SVG polyline. Losses span decades early in a run, so the scale is
// logarithmic when every value is positive and they span more than a factor of 10.

export interface Box {
  width: number;
  height: number;
  /** Room kept on every side, so that the line's stroke is not cut at the edges. */
  pad: number;
}

export interface Scaled {
  /** "x,y x,y ...", for <polyline points>. */
  points: string;
  /** Points drawn (non-finite values are skipped). */
  count: number;
  log: boolean;
  min: number;
  max: number;
}

const round = (v: number): number => Math.round(v * 10) / 10;

/**
 * The points of `values` (in order; their index is x) in the box: the smallest value at the
 * bottom, the largest at the top; a flat series in the middle. Nothing to draw: count 0.
 */
export function sparkline(values: readonly (number | null)[], box: Box): Scaled {
  const finite: [number, number][] = [];
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) finite.push([i, v]);
  });
  if (finite.length === 0) return { points: "", count: 0, log: false, min: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (const [, v] of finite) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const log = min > 0 && max / min > 10;
  const f = log ? Math.log10 : (v: number) => v;
  const lo = f(min);
  const hi = f(max);
  const innerW = Math.max(0, box.width - 2 * box.pad);
  const innerH = Math.max(0, box.height - 2 * box.pad);
  const lastIndex = values.length - 1;
  const points = finite.map(([i, v]) => {
    const x = box.pad + (lastIndex > 0 ? (i / lastIndex) * innerW : innerW / 2);
    const y = box.pad + (hi > lo ? (1 - (f(v) - lo) / (hi - lo)) * innerH : innerH / 2);
    return `${round(x)},${round(y)}`;
  });
  return { points: points.join(" "), count: points.length, log, min, max };
}

/** `series` as [x, y] pairs scaled into the box over a shared x range (the spotlight's curves by step). */
export function scaleXY(
  series: readonly (readonly [number, number])[],
  xRange: readonly [number, number],
  yRange: readonly [number, number],
  box: Box,
): string {
  const [x0, x1] = xRange;
  const [y0, y1] = yRange;
  const innerW = Math.max(0, box.width - 2 * box.pad);
  const innerH = Math.max(0, box.height - 2 * box.pad);
  return series
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
    .map(([x, y]) => {
      const px = box.pad + (x1 > x0 ? ((x - x0) / (x1 - x0)) * innerW : innerW / 2);
      const py = box.pad + (y1 > y0 ? (1 - (y - y0) / (y1 - y0)) * innerH : innerH / 2);
      return `${round(px)},${round(py)}`;
    })
    .join(" ");
}

/** At most `max` of the items, evenly spaced, the last always kept (a long run's history drawn small). */
export function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max || max < 2) return [...items];
  const out: T[] = [];
  const stride = (items.length - 1) / (max - 1);
  for (let i = 0; i < max; i += 1) {
    const item = items[Math.round(i * stride)];
    if (item !== undefined) out.push(item);
  }
  return out;
}

/** The range of the values, with room; [0, 1] when there are none. */
export function rangeOf(values: readonly number[], floor?: number, ceil?: number): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [floor ?? 0, ceil ?? 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (floor !== undefined) lo = Math.min(lo, floor);
  if (ceil !== undefined) hi = Math.max(hi, ceil);
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}
