// Canvas renderers of the probe panels. Each draws one frame's arrays, synchronously
// and cheaply (a few small ImageData blits); the panels call them at most once per
// animation frame (see probes/hub.ts).
import { BLUE_ORANGE, CIVIDIS, CLASS_COLOURS, classColour, cssColour, imageRgba, inkOn, labelRgba, range, toRgba, VIRIDIS, type Lut } from "./colormap";
import {
  boxRect,
  cellAt,
  chartPoint,
  classBorders,
  histogramBars,
  onSquare,
  planeToCanvas,
  rowShares,
  sceneCell,
  type ChartFrame,
  type Grid,
  type MatrixGrid,
  type SceneGrid,
} from "./layout";

export type Ctx = CanvasRenderingContext2D;

/**
 * Size the canvas's backing store for the screen's pixel ratio; a context drawing in CSS pixels
 * of a width x height drawing. `zoom`: the canvas shows that much larger (presentation mode), as sharp.
 */
export function prepare(canvas: HTMLCanvasElement, width: number, height: number, zoom = 1): Ctx | null {
  const ratio = Math.max(1, Math.round((globalThis.devicePixelRatio || 1) * zoom * 100) / 100);
  const w = Math.max(1, Math.round(width * ratio));
  const h = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

let scratch: HTMLCanvasElement | null = null;

/** Blit RGBA pixels of a w x h image into the rectangle (dx, dy, dw, dh). */
export function blit(ctx: Ctx, rgba: Uint8ClampedArray, w: number, h: number, dx: number, dy: number, dw: number, dh: number, smooth = false): void {
  if (w <= 0 || h <= 0) return;
  scratch ??= document.createElement("canvas");
  if (scratch.width !== w) scratch.width = w;
  if (scratch.height !== h) scratch.height = h;
  const sctx = scratch.getContext("2d");
  if (!sctx) return;
  sctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), 0, 0);
  ctx.imageSmoothingEnabled = smooth;
  ctx.drawImage(scratch, 0, 0, w, h, dx, dy, dw, dh);
}

/** values [h, w] through a colour table on lo..hi into a rectangle. */
export function heatmap(ctx: Ctx, values: ArrayLike<number>, h: number, w: number, lut: Lut, lo: number, hi: number, rect: { x: number; y: number; width: number; height: number }, smooth = false): void {
  blit(ctx, toRgba(values, lut, lo, hi), w, h, rect.x, rect.y, rect.width, rect.height, smooth);
}

export type Pixels = Float32Array | Uint8Array | Uint16Array;

/** Finite max of |v|, at least a tiny positive number. */
function absMax(values: ArrayLike<number>): number {
  const [lo, hi] = range(values);
  return Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
}

/**
 * Images [c, h, w] in a grid, each through the table. `scale`: "fixed" maps lo..hi (uint8
 * maps: 0..255), "each" each image's own range, "symmetric" each image's -max|v|..max|v|
 * (so that the sign shows on a diverging table), "shared" one -max|v|..max|v| for all.
 */
export function channelGrid(
  ctx: Ctx,
  maps: Pixels,
  c: number,
  h: number,
  w: number,
  grid: Grid,
  lut: Lut = VIRIDIS,
  scale: "fixed" | "each" | "symmetric" | "shared" = "fixed",
  lo = 0,
  hi = 255,
): void {
  const size = h * w;
  const shared = scale === "shared" ? absMax(maps.subarray(0, c * size)) : 0;
  const aspect = w / h;
  const dw = aspect >= 1 ? grid.cell : grid.cell * aspect;
  const dh = aspect >= 1 ? grid.cell / aspect : grid.cell;
  for (let i = 0; i < c; i++) {
    const plane = maps.subarray(i * size, (i + 1) * size);
    let a = lo;
    let b = hi;
    if (scale === "each") [a, b] = range(plane);
    else if (scale === "symmetric") b = absMax(plane);
    else if (scale === "shared") b = shared;
    if (scale === "symmetric" || scale === "shared") a = -b;
    const { x, y } = cellAt(grid, i);
    heatmap(ctx, plane, h, w, lut, a, b, { x: x + (grid.cell - dw) / 2, y: y + (grid.cell - dh) / 2, width: dw, height: dh }, false);
  }
}

/** A histogram filling width x height, with a mark at zero when it is in range. */
export function histogram(ctx: Ctx, edges: readonly number[], counts: readonly number[], width: number, height: number, colour = "#0072b2"): void {
  ctx.fillStyle = "#f4f6f8";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = colour;
  for (const bar of histogramBars(edges, counts, width, height)) ctx.fillRect(bar.x, bar.y, bar.width, bar.height);
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  if (lo !== undefined && hi !== undefined && lo < 0 && hi > 0) {
    const x = Math.round((-lo / (hi - lo)) * width) + 0.5;
    ctx.strokeStyle = "#1d2733";
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/** The ERF map [h, w] (peak 1) with the theoretical field's box, the centre and a 1-sigma ellipse. */
export function erf(
  ctx: Ctx,
  map: ArrayLike<number>,
  h: number,
  w: number,
  size: { width: number; height: number },
  marks: { box: [number, number, number, number] | null; centre: [number, number] | null; sigma: [number, number] | null },
): void {
  const scale = Math.min(size.width / w, size.height / h);
  heatmap(ctx, map, h, w, VIRIDIS, 0, 1, { x: 0, y: 0, width: w * scale, height: h * scale });
  const rect = marks.box ? boxRect(marks.box, h, w, scale) : null;
  if (rect) {
    for (const [colour, width, dash] of [["#000", 3, []], ["#fff", 1.5, rect.clipped ? [4, 3] : []]] as const) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.setLineDash([...dash]);
      ctx.strokeRect(rect.x + 1, rect.y + 1, rect.width - 2, rect.height - 2);
    }
    ctx.setLineDash([]);
  }
  if (marks.centre) {
    // Pixel centres: index i covers [i, i + 1) * scale.
    const cx = (marks.centre[1] + 0.5) * scale;
    const cy = (marks.centre[0] + 0.5) * scale;
    if (marks.sigma && marks.sigma[0] > 0 && marks.sigma[1] > 0) {
      ctx.strokeStyle = "#f0e442";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.ellipse(cx, cy, marks.sigma[1] * scale, marks.sigma[0] * scale, 0, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(cx - 4, cy);
    ctx.lineTo(cx + 4, cy);
    ctx.moveTo(cx, cy - 4);
    ctx.lineTo(cx, cy + 4);
    ctx.stroke();
  }
}

/** How the boundary's output is coloured: a 2-class probability, several classes, or a value. */
export type BoundaryKind = "binary" | "multiclass" | "value";

/** RGBA of the decision boundary: output [r, r] (and classes) coloured, class borders dark. */
export function boundaryPixels(output: ArrayLike<number>, classes: ArrayLike<number> | null, r: number, kind: BoundaryKind): Uint8ClampedArray {
  let pixels: Uint8ClampedArray;
  if (kind === "multiclass" && classes) {
    pixels = new Uint8ClampedArray(r * r * 4);
    for (let i = 0; i < r * r; i++) {
      const colour = CLASS_COLOURS[(classes[i] as number) % CLASS_COLOURS.length] as [number, number, number];
      const confidence = Math.max(0, Math.min(1, output[i] as number));
      for (let c = 0; c < 3; c++) pixels[i * 4 + c] = 255 - (255 - (colour[c] as number)) * (0.25 + 0.75 * confidence);
      pixels[i * 4 + 3] = 255;
    }
  } else if (kind === "binary") {
    pixels = toRgba(output, BLUE_ORANGE, 0, 1);
  } else {
    const [lo, hi] = range(output);
    pixels = toRgba(output, VIRIDIS, lo, hi);
  }
  if (classes && kind !== "value") {
    const border = classBorders(classes, r, r);
    for (let i = 0; i < r * r; i++) {
      if (!border[i]) continue;
      pixels[i * 4] = 29;
      pixels[i * 4 + 1] = 39;
      pixels[i * 4 + 2] = 51;
    }
  }
  return pixels;
}

/** The decision boundary over [-extent, extent]^2 in a size x size square (row 0 is y = +extent), with the data's points on top. */
export function boundary(
  ctx: Ctx,
  output: ArrayLike<number>,
  classes: ArrayLike<number> | null,
  r: number,
  kind: BoundaryKind,
  size: number,
  points: PlanePoints | null = null,
  extent = 6,
): number {
  blit(ctx, boundaryPixels(output, classes, r, kind), r, r, 0, 0, size, size, true);
  axes(ctx, size, "rgba(29, 39, 51, 0.35)");
  // The points land where their grid value is drawn (see layout.planeToCanvas).
  return points ? planePoints(ctx, points, extent, size, r) : 0;
}

function axes(ctx: Ctx, size: number, colour: string): void {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(size / 2 + 0.5, 0);
  ctx.lineTo(size / 2 + 0.5, size);
  ctx.moveTo(0, size / 2 + 0.5);
  ctx.lineTo(size, size / 2 + 0.5);
  ctx.stroke();
}

/** A split's points: x[i], y[i] and label[i] (a class, or a value). */
export interface PlaneSet {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label: ArrayLike<number>;
}

/** A 2-D set's points: coloured by class, or by value on viridis over labelRange. */
export interface PlanePoints {
  train: PlaneSet;
  test: PlaneSet;
  regression: boolean;
  labelRange: readonly [number, number];
}

/** The CSS colour of a point's label. */
export function pointColour(label: number, points: Pick<PlanePoints, "regression" | "labelRange">): string {
  if (!points.regression) return classColour(label);
  const [lo, hi] = points.labelRange;
  return cssColour(VIRIDIS, hi > lo ? (label - lo) / (hi - lo) : 0.5);
}

const POINT_RADIUS = 2.6;

/**
 * Train points filled (with a thin dark rim), test points hollow (a ring with a light halo),
 * mapped from [-extent, extent]^2 (with r: aligned to an r x r grid). Returns how many were drawn.
 */
export function planePoints(ctx: Ctx, points: PlanePoints, extent: number, size: number, r?: number): number {
  let drawn = 0;
  const each = (set: PlaneSet, draw: (px: number, py: number, colour: string) => void): void => {
    for (let i = 0; i < set.x.length; i++) {
      const { px, py } = planeToCanvas(set.x[i] as number, set.y[i] as number, extent, size, r);
      if (!onSquare(px, py, size)) continue;
      draw(px, py, pointColour(set.label[i] as number, points));
      drawn++;
    }
  };
  each(points.test, (px, py, colour) => {
    ctx.beginPath();
    ctx.arc(px, py, POINT_RADIUS, 0, 2 * Math.PI);
    ctx.strokeStyle = "rgba(255, 255, 255, 0.85)";
    ctx.lineWidth = 3;
    ctx.stroke();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  });
  each(points.train, (px, py, colour) => {
    ctx.beginPath();
    ctx.arc(px, py, POINT_RADIUS, 0, 2 * Math.PI);
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.strokeStyle = "rgba(29, 39, 51, 0.7)";
    ctx.lineWidth = 0.6;
    ctx.stroke();
  });
  return drawn;
}

/** A 2-D set's points on a light square over [-extent, extent]^2. Returns how many were drawn. */
export function scatter(ctx: Ctx, points: PlanePoints, extent: number, size: number): number {
  ctx.fillStyle = "#f4f6f8";
  ctx.fillRect(0, 0, size, size);
  axes(ctx, size, "rgba(29, 39, 51, 0.25)");
  return planePoints(ctx, points, extent, size);
}

/** Images [count, c, h, w] in [0, 1] in a grid, each with its caption below when the cells are large enough. */
export function imageSamples(ctx: Ctx, images: ArrayLike<number>, count: number, c: number, h: number, w: number, grid: Grid, captions: readonly string[] | null): void {
  const label = captions && grid.cell >= 28 ? 11 : 0;
  const side = grid.cell - label;
  ctx.font = "9px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = "#1d2733";
  for (let i = 0; i < count; i++) {
    const { x, y } = cellAt(grid, i);
    blit(ctx, imageRgba(images, i * c * h * w, c, h, w), w, h, x + (grid.cell - side) / 2, y, side, side);
    if (label && captions) ctx.fillText((captions[i] ?? "").slice(0, 8), x + grid.cell / 2, y + side + 1);
  }
}

/** Segmentation samples: in each pair of cells the image, then its label map (class colours, background grey). */
export function segmentationPairs(ctx: Ctx, images: ArrayLike<number>, masks: ArrayLike<number>, count: number, c: number, h: number, w: number, grid: Grid): void {
  for (let i = 0; i < count; i++) {
    const a = cellAt(grid, 2 * i);
    const b = cellAt(grid, 2 * i + 1);
    blit(ctx, imageRgba(images, i * c * h * w, c, h, w), w, h, a.x, a.y, grid.cell, grid.cell);
    blit(ctx, labelRgba(masks, i * h * w, h * w), w, h, b.x, b.y, grid.cell, grid.cell);
  }
}

/** The titles of a scene grid's columns, each centred over its column at the top. */
function columnTitles(ctx: Ctx, grid: SceneGrid, titles: readonly string[]): void {
  ctx.font = "9px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = "#5b6774";
  titles.forEach((title, column) => ctx.fillText(title, sceneCell(grid, 0, column).x + grid.cellWidth / 2, 0));
}

/**
 * The segmentation probe's scenes [k, c, h, w] in rows: the image, its true label map and the
 * predicted one (the dataset preview's colours), under the columns' titles.
 */
export function segmentationScenes(
  ctx: Ctx,
  scenes: { images: ArrayLike<number>; truth: ArrayLike<number>; pred: ArrayLike<number>; c: number; h: number; w: number },
  grid: SceneGrid,
  titles: readonly string[],
): void {
  const { images, truth, pred, c, h, w } = scenes;
  const { cellWidth: cw, cellHeight: ch } = grid;
  columnTitles(ctx, grid, titles);
  // Scenes larger than their cell are smoothed as they shrink; the masks keep hard edges.
  const smooth = w > cw;
  for (let i = 0; i < grid.scenes; i++) {
    const [image, truthAt, predAt] = [0, 1, 2].map((column) => sceneCell(grid, i, column)) as [{ x: number; y: number }, { x: number; y: number }, { x: number; y: number }];
    blit(ctx, imageRgba(images, i * c * h * w, c, h, w), w, h, image.x, image.y, cw, ch, smooth);
    blit(ctx, labelRgba(truth, i * h * w, h * w), w, h, truthAt.x, truthAt.y, cw, ch);
    blit(ctx, labelRgba(pred, i * h * w, h * w), w, h, predAt.x, predAt.y, cw, ch);
  }
}

/** A layer's matrix [rows, cols] as square cells on one -max|v|..max|v| diverging scale: zeros all the light middle colour. */
export function matrixMap(ctx: Ctx, values: ArrayLike<number>, rows: number, cols: number, grid: MatrixGrid): void {
  const m = absMax(values);
  heatmap(ctx, values, rows, cols, BLUE_ORANGE, -m, m, { x: 0, y: 0, width: grid.width, height: grid.height });
}

/**
 * The shift test in rows of two under the columns' titles: the input and the shifted input,
 * then each channel's map before and after the shift, the two of a row on one range (so that
 * a changed value shows as a changed colour, not as a rescaled map).
 */
export function shiftPairs(
  ctx: Ctx,
  d: { input: ArrayLike<number>; shifted: ArrayLike<number>; before: Float32Array; after: Float32Array; c: number; h: number; w: number; k: number; mh: number; mw: number },
  grid: SceneGrid,
  titles: readonly [string, string],
): void {
  const { cellWidth: cw, cellHeight: ch } = grid;
  columnTitles(ctx, grid, titles);
  const [a0, b0] = range(d.input);
  const [a1, b1] = range(d.shifted);
  const [lo, hi] = [Math.min(a0, a1), Math.max(b0, b1)];
  const left = sceneCell(grid, 0, 0);
  const right = sceneCell(grid, 0, 1);
  blit(ctx, imageRgba(d.input, 0, d.c, d.h, d.w, lo, hi), d.w, d.h, left.x, left.y, cw, ch);
  blit(ctx, imageRgba(d.shifted, 0, d.c, d.h, d.w, lo, hi), d.w, d.h, right.x, right.y, cw, ch);
  const size = d.mh * d.mw;
  for (let i = 0; i < Math.min(d.k, grid.scenes - 1); i++) {
    const before = d.before.subarray(i * size, (i + 1) * size);
    const after = d.after.subarray(i * size, (i + 1) * size);
    const [c0, e0] = range(before);
    const [c1, e1] = range(after);
    const [mlo, mhi] = [Math.min(c0, c1), Math.max(e0, e1)];
    for (const [column, plane] of [[0, before], [1, after]] as const) {
      const at = sceneCell(grid, i + 1, column);
      heatmap(ctx, plane, d.mh, d.mw, VIRIDIS, mlo, mhi, { x: at.x, y: at.y, width: cw, height: ch });
    }
  }
}

/**
 * A small x-y chart: light grid lines at the ticks with their labels, a darker line at y = 0,
 * the values as dots joined by a line, and a fitted curve dashed over them.
 */
export function lineChart(
  ctx: Ctx,
  frame: ChartFrame,
  xs: readonly number[],
  ys: readonly number[],
  curve: readonly { x: number; y: number }[],
  colours: { line: string; curve: string } = { line: "#0072b2", curve: "#d55e00" },
): void {
  const { box } = frame;
  ctx.fillStyle = "#f4f6f8";
  ctx.fillRect(box.x, box.y, box.width, box.height);
  ctx.font = "9px system-ui, sans-serif";
  ctx.fillStyle = "#5b6774";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of frame.yTicks) {
    const { py } = chartPoint(frame, frame.x[0], t);
    ctx.strokeStyle = t === 0 ? "rgba(29, 39, 51, 0.6)" : "rgba(29, 39, 51, 0.12)";
    ctx.beginPath();
    ctx.moveTo(box.x, Math.round(py) + 0.5);
    ctx.lineTo(box.x + box.width, Math.round(py) + 0.5);
    ctx.stroke();
    ctx.fillText(String(t), box.x - 3, py);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of frame.xTicks) {
    const { px } = chartPoint(frame, t, frame.y[0]);
    ctx.strokeStyle = "rgba(29, 39, 51, 0.12)";
    ctx.beginPath();
    ctx.moveTo(Math.round(px) + 0.5, box.y);
    ctx.lineTo(Math.round(px) + 0.5, box.y + box.height);
    ctx.stroke();
    ctx.fillText(String(t), px, box.y + box.height + 3);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.width, box.height);
  ctx.clip();
  if (curve.length > 1) {
    ctx.strokeStyle = colours.curve;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    curve.forEach((p, i) => {
      const { px, py } = chartPoint(frame, p.x, p.y);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.stroke();
    ctx.setLineDash([]);
  }
  const n = Math.min(xs.length, ys.length);
  ctx.strokeStyle = colours.line;
  ctx.fillStyle = colours.line;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const { px, py } = chartPoint(frame, xs[i] as number, ys[i] as number);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
  for (let i = 0; i < n; i++) {
    const { px, py } = chartPoint(frame, xs[i] as number, ys[i] as number);
    ctx.beginPath();
    ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

/** One small map per neuron, [units, r, r], each on its own -max|v|..max|v|: blue below zero, orange above. */
export function thumbnails(ctx: Ctx, maps: Pixels, units: number, r: number, grid: Grid): void {
  channelGrid(ctx, maps, units, r, r, grid, BLUE_ORANGE, "symmetric");
}

/** A confusion matrix [n, n] (rows: true class), shaded by each row's shares, counts written when they fit. */
export function confusion(ctx: Ctx, matrix: ArrayLike<number>, n: number, size: number, labels: readonly string[]): void {
  const margin = 14;
  const cell = (size - margin) / n;
  const shares = rowShares(matrix, n);
  ctx.font = `${Math.max(8, Math.min(11, cell * 0.45))}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const t = shares[r * n + c] as number;
      const x = margin + c * cell;
      const y = margin + r * cell;
      const k = Math.round(t * 255);
      ctx.fillStyle = `rgb(${CIVIDIS[k * 3]}, ${CIVIDIS[k * 3 + 1]}, ${CIVIDIS[k * 3 + 2]})`;
      ctx.fillRect(x, y, cell - 1, cell - 1);
      const count = matrix[r * n + c] as number;
      if (cell >= 16 && count > 0) {
        ctx.fillStyle = inkOn(CIVIDIS, t);
        ctx.fillText(String(Math.round(count)), x + cell / 2, y + cell / 2);
      }
    }
  }
  ctx.fillStyle = "#5b6774";
  for (let i = 0; i < n; i++) {
    const label = (labels[i] ?? String(i)).slice(0, 2);
    ctx.fillText(label, margin + i * cell + cell / 2, margin / 2);
    ctx.fillText(label, margin / 2, margin + i * cell + cell / 2);
  }
}

export interface PredictionCell {
  pred: number;
  truth: number;
  prob: number | null;
}

/** Sample images [k, c, h, w] in a grid, each with its predicted class (and the true one when wrong). */
export function predictions(ctx: Ctx, images: ArrayLike<number>, shape: readonly number[], cells: readonly PredictionCell[], grid: Grid, labels: readonly string[]): void {
  const [k = 0, c = 1, h = 0, w = 0] = shape;
  const size = c * h * w;
  const label = grid.cell >= 32 ? 11 : 0;
  const side = grid.cell - label;
  ctx.font = "9px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let i = 0; i < Math.min(k, cells.length); i++) {
    const { x, y } = cellAt(grid, i);
    const one = Array.from({ length: size }, (_, j) => images[i * size + j] as number);
    const [lo, hi] = range(one);
    const rgba = new Uint8ClampedArray(h * w * 4);
    const span = hi > lo ? hi - lo : 1;
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = one[(c === 3 ? ch : 0) * h * w + p] as number;
        rgba[p * 4 + ch] = ((v - lo) / span) * 255;
      }
      rgba[p * 4 + 3] = 255;
    }
    blit(ctx, rgba, w, h, x + (grid.cell - side) / 2, y, side, side);
    const cell = cells[i] as PredictionCell;
    const right = cell.pred === cell.truth;
    ctx.strokeStyle = right ? "#009e73" : "#d55e00";
    ctx.lineWidth = right ? 1.5 : 2.5;
    ctx.setLineDash(right ? [] : [3, 2]);
    ctx.strokeRect(x + (grid.cell - side) / 2 + 1, y + 1, side - 2, side - 2);
    ctx.setLineDash([]);
    if (label) {
      const name = (n: number): string => (labels[n] ?? String(n)).slice(0, 6);
      ctx.fillStyle = right ? "#1d2733" : "#b3261e";
      ctx.fillText(right ? `${name(cell.pred)} ✓` : `${name(cell.pred)} ✗${name(cell.truth)}`, x + grid.cell / 2, y + side + 1);
    }
  }
}
