// The loss landscape's frame (docs/api.md, "The loss landscape") read into a slice, and
// the slice as Plotly traces: a contour or a 3-D surface of the loss, with the path the
// weights took drawn on it, ending at the weights now (the origin).
import { floats, num, nums, type ProbeFrame } from "./unpack";

export type LandscapeView = "contour" | "surface";

export interface LandscapeSlice {
  alphas: number[];
  betas: number[];
  /** loss[i][j] at (alphas[j], betas[i]); null where not computed yet (NaN in the frame). */
  loss: (number | null)[][];
  rowsDone: number;
  rows: number;
  plane: "random" | "trajectory";
  /** Trajectory plane: each axis's share of the path's variance (null on a random plane). */
  explained: [number | null, number | null];
  samples: number | null;
  step: number | null;
  /** The path on the plane, oldest first; the last point is the weights now. */
  path: [number, number][];
}

const finite = (values: (number | null)[]): number[] => values.filter((v): v is number => v !== null);

/** The slice of a `landscape` frame, or null when it lacks the loss grid. */
export function sliceOf(frame: ProbeFrame): LandscapeSlice | null {
  const { header, arrays } = frame;
  const grid = arrays.loss;
  if (!grid || grid.shape.length !== 2) return null;
  const [nRows = 0, nCols = 0] = grid.shape;
  const alphas = finite(nums(header.alphas));
  const betas = finite(nums(header.betas));
  if (alphas.length !== nCols || betas.length !== nRows) return null;
  const values = floats(grid);
  const loss = Array.from({ length: nRows }, (_, i) =>
    Array.from({ length: nCols }, (_, j) => {
      const v = values[i * nCols + j] ?? Number.NaN;
      return Number.isFinite(v) ? v : null;
    }),
  );
  const path: [number, number][] = [];
  const track = arrays.path;
  if (track && track.shape.length === 2 && track.shape[1] === 2) {
    const xy = floats(track);
    for (let k = 0; k + 1 < xy.length; k += 2) {
      const a = xy[k] ?? Number.NaN;
      const b = xy[k + 1] ?? Number.NaN;
      if (Number.isFinite(a) && Number.isFinite(b)) path.push([a, b]);
    }
  }
  const [e0 = null, e1 = null] = nums(header.explained);
  return {
    alphas,
    betas,
    loss,
    rowsDone: num(header.rows_done) ?? 0,
    rows: num(header.rows) ?? nRows,
    plane: header.plane === "trajectory" ? "trajectory" : "random",
    explained: [e0, e1],
    samples: num(header.samples),
    step: num(header.step),
    path,
  };
}

/** Smallest loss drawn on a log scale (an MSE can reach 0, whose log is -inf). */
export const LOG_FLOOR = 1e-6;

/** What the colour scale (and the surface's height) shows of a loss. */
export function scaled(loss: number, log: boolean): number {
  return log ? Math.log10(Math.max(loss, LOG_FLOOR)) : loss;
}

/** The loss at (a, b), bilinear between the grid's points; null outside the grid or next to a missing value. */
export function lossAt(slice: LandscapeSlice, a: number, b: number): number | null {
  const j = cell(slice.alphas, a);
  const i = cell(slice.betas, b);
  if (i === null || j === null) return null;
  const [a0, a1] = [slice.alphas[j] as number, slice.alphas[j + 1] as number];
  const [b0, b1] = [slice.betas[i] as number, slice.betas[i + 1] as number];
  const l00 = slice.loss[i]?.[j];
  const l01 = slice.loss[i]?.[j + 1];
  const l10 = slice.loss[i + 1]?.[j];
  const l11 = slice.loss[i + 1]?.[j + 1];
  if (l00 == null || l01 == null || l10 == null || l11 == null) return null;
  const tx = a1 === a0 ? 0 : (a - a0) / (a1 - a0);
  const ty = b1 === b0 ? 0 : (b - b0) / (b1 - b0);
  return (l00 * (1 - tx) + l01 * tx) * (1 - ty) + (l10 * (1 - tx) + l11 * tx) * ty;
}

/** Index k with axis[k] <= v <= axis[k + 1] (ascending axis), else null. */
function cell(axis: readonly number[], v: number): number | null {
  const n = axis.length;
  if (n < 2 || v < (axis[0] as number) || v > (axis[n - 1] as number)) return null;
  for (let k = 0; k < n - 2; k++) if (v <= (axis[k + 1] as number)) return k;
  return n - 2;
}

export interface PathPoints {
  a: number[];
  b: number[];
  /** The surface's height at each point (empty on the contour). */
  z: number[];
  /** Whether the last point drawn is the weights now (the surface leaves out points off the computed cells). */
  endsNow: boolean;
}

/**
 * The path as drawn: on the contour every point (the axes clip what lies past the grid);
 * on the surface only the points over computed cells, at the loss's height there.
 */
export function pathPoints(slice: LandscapeSlice, view: LandscapeView, log: boolean): PathPoints {
  const out: PathPoints = { a: [], b: [], z: [], endsNow: false };
  slice.path.forEach(([a, b], k) => {
    const loss = view === "surface" ? lossAt(slice, a, b) : null;
    if (view === "surface" && loss === null) return;
    out.a.push(a);
    out.b.push(b);
    if (loss !== null) out.z.push(scaled(loss, log));
    out.endsNow = k === slice.path.length - 1;
  });
  return out;
}

export type PlotlyTrace = Record<string, unknown>;

const PATH_COLOR = "#ffffff";
const NOW_COLOR = "#D55E00";

/** The loss as Plotly traces: the slice, then the path and its "now" point (when any is drawn). */
export function landscapeTraces(slice: LandscapeSlice, view: LandscapeView, log: boolean): PlotlyTrace[] {
  const z = slice.loss.map((row) => row.map((v) => (v === null ? null : scaled(v, log))));
  const title = log ? "log₁₀ loss" : "loss";
  const colorbar = { title: { text: title, side: "right" }, thickness: 8, len: 0.9, outlinewidth: 0 };
  const hover = `a %{x:.3g}<br>b %{y:.3g}<br>${title} %{z:.4g}<extra></extra>`;
  const traces: PlotlyTrace[] = [
    view === "contour"
      ? { type: "contour", x: slice.alphas, y: slice.betas, z, colorscale: "Viridis", ncontours: 16, line: { width: 0.5 }, colorbar, hovertemplate: hover }
      : { type: "surface", x: slice.alphas, y: slice.betas, z, colorscale: "Viridis", colorbar, hovertemplate: hover },
  ];
  const path = pathPoints(slice, view, log);
  const last = path.a.length - 1;
  if (last < 0) return traces;
  const flat = view === "contour";
  const xyz = (k: number | null) =>
    k === null
      ? flat
        ? { x: path.a, y: path.b }
        : { x: path.a, y: path.b, z: path.z }
      : flat
        ? { x: [path.a[k]], y: [path.b[k]] }
        : { x: [path.a[k]], y: [path.b[k]], z: [path.z[k]] };
  traces.push({
    type: flat ? "scatter" : "scatter3d",
    mode: "lines+markers",
    name: "path",
    ...xyz(null),
    line: { color: PATH_COLOR, width: flat ? 1.5 : 4 },
    marker: { size: flat ? 4 : 2, color: PATH_COLOR },
    hovertemplate: "the weights' path<extra></extra>",
  });
  if (path.endsNow) {
    traces.push({
      type: flat ? "scatter" : "scatter3d",
      mode: "markers+text",
      name: "now",
      ...xyz(last),
      text: ["now"],
      textposition: "top center",
      textfont: { color: NOW_COLOR },
      marker: flat ? { size: 9, color: NOW_COLOR, symbol: "star", line: { color: "#fff", width: 1 } } : { size: 5, color: NOW_COLOR },
      hovertemplate: "the weights now<extra></extra>",
    });
  }
  return traces;
}

/** How many path points `landscapeTraces` draws in this view. */
export function pathPointsDrawn(slice: LandscapeSlice, view: LandscapeView, log: boolean): number {
  return pathPoints(slice, view, log).a.length;
}
