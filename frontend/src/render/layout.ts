// Geometry and data shaping for the probe drawings, kept free of the DOM so that it
// can be unit-tested: grids of small images, histogram bars, confusion shares,
// class borders and the input-space box of a receptive field.

export interface Grid {
  cols: number;
  rows: number;
  /** Side of one cell in CSS pixels. */
  cell: number;
  gap: number;
  width: number;
  height: number;
}

export interface GridOptions {
  gap?: number;
  /** Largest cell side. */
  maxCell?: number;
  /** Most columns. */
  maxCols?: number;
}

/** Square cells for `count` images in at most `width` pixels: as large as fits, near-square overall. */
export function gridLayout(count: number, width: number, options: GridOptions = {}): Grid {
  const gap = options.gap ?? 2;
  const maxCell = options.maxCell ?? 64;
  if (count <= 0) return { cols: 0, rows: 0, cell: 0, gap, width: 0, height: 0 };
  const cols = Math.max(1, Math.min(count, options.maxCols ?? Math.ceil(Math.sqrt(count) * 1.5), count));
  const cell = Math.max(1, Math.min(maxCell, Math.floor((width - gap * (cols - 1)) / cols)));
  const rows = Math.ceil(count / cols);
  return { cols, rows, cell, gap, width: cols * cell + (cols - 1) * gap, height: rows * cell + (rows - 1) * gap };
}

/**
 * The grid of `count` cells across `width` with the largest cells whose height stays
 * within `maxHeight` (cells of at most `maxCell`); one row of the smallest cells if none does.
 */
export function flatGrid(count: number, width: number, maxHeight: number, options: Omit<GridOptions, "maxCols"> = {}): Grid {
  let best = gridLayout(count, width, { ...options, maxCols: count });
  for (let cols = 1; cols <= count; cols++) {
    const grid = gridLayout(count, width, { ...options, maxCols: cols });
    if (grid.height <= maxHeight && grid.cell > best.cell) best = grid;
  }
  return best;
}

/** Top-left corner of cell i. */
export function cellAt(grid: Grid, i: number): { x: number; y: number } {
  const col = i % Math.max(grid.cols, 1);
  const row = Math.floor(i / Math.max(grid.cols, 1));
  return { x: col * (grid.cell + grid.gap), y: row * (grid.cell + grid.gap) };
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Histogram bars over edges (n+1) and counts (n), filling width x height (square-root scale keeps small bins visible). */
export function histogramBars(edges: readonly number[], counts: readonly number[], width: number, height: number, sqrt = true): Bar[] {
  if (counts.length === 0 || edges.length !== counts.length + 1) return [];
  const lo = edges[0] as number;
  const hi = edges[edges.length - 1] as number;
  const span = hi > lo ? hi - lo : 1;
  const scale = (c: number): number => (sqrt ? Math.sqrt(Math.max(c, 0)) : Math.max(c, 0));
  const top = Math.max(...counts.map(scale), 1e-12);
  return counts.map((c, i) => {
    const x0 = (((edges[i] as number) - lo) / span) * width;
    const x1 = (((edges[i + 1] as number) - lo) / span) * width;
    const h = (scale(c) / top) * height;
    return { x: x0, y: height - h, width: Math.max(x1 - x0 - 0.5, 0.5), height: h };
  });
}

/** Each row of a [n, n] count matrix as shares of its total (rows of zeros stay zero). */
export function rowShares(matrix: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    let total = 0;
    for (let c = 0; c < n; c++) total += matrix[r * n + c] as number;
    if (total <= 0) continue;
    for (let c = 0; c < n; c++) out[r * n + c] = (matrix[r * n + c] as number) / total;
  }
  return out;
}

/** 1 where a pixel's class differs from its right or lower neighbour: the drawn class border. */
export function classBorders(classes: ArrayLike<number>, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const v = classes[i];
      if ((c + 1 < cols && classes[i + 1] !== v) || (r + 1 < rows && classes[i + cols] !== v)) out[i] = 1;
    }
  }
  return out;
}

/**
 * The theoretical field's box [top, left, bottom, right] (inclusive pixel indices, which may
 * reach past the image) as a rectangle in a drawing of an h x w image scaled by `scale`,
 * clipped to the image, with which sides were cut.
 */
export function boxRect(
  box: readonly [number, number, number, number],
  h: number,
  w: number,
  scale: number,
): { x: number; y: number; width: number; height: number; clipped: boolean } | null {
  const [top, left, bottom, right] = box;
  const t = Math.max(top, 0);
  const l = Math.max(left, 0);
  const b = Math.min(bottom, h - 1);
  const r = Math.min(right, w - 1);
  if (b < t || r < l) return null;
  const clipped = t !== top || l !== left || b !== bottom || r !== right;
  return { x: l * scale, y: t * scale, width: (r - l + 1) * scale, height: (b - t + 1) * scale, clipped };
}

/**
 * Where the point (x, y) of the plane [-extent, extent]^2 falls on a size x size square
 * (y up). With `r`, the square shows an r x r grid sampled at linspace(-extent, extent, r)
 * whose pixel j is drawn over [j, j + 1) * size / r (the decision boundary): the point then
 * lands where its value is drawn, grid point j at the centre of pixel j.
 */
export function planeToCanvas(x: number, y: number, extent: number, size: number, r?: number): { px: number; py: number } {
  const u = (x + extent) / (2 * extent);
  const v = (extent - y) / (2 * extent);
  if (r === undefined || r < 2) return { px: u * size, py: v * size };
  const cell = size / r;
  return { px: (u * (r - 1) + 0.5) * cell, py: (v * (r - 1) + 0.5) * cell };
}

/** Whether (px, py) lies on a size x size square. */
export function onSquare(px: number, py: number, size: number): boolean {
  return px >= 0 && px <= size && py >= 0 && py <= size;
}

/** Rows of scenes, each its image, true mask and predicted mask side by side under a line of column titles. */
export interface SceneGrid {
  scenes: number;
  /** One cell's drawn size, in the images' aspect. */
  cellWidth: number;
  cellHeight: number;
  gap: number;
  /** Height of the column titles' line above the first row. */
  header: number;
  width: number;
  height: number;
}

/** Columns of a scene row: the image, the true mask, the predicted one. */
export const SCENE_COLUMNS = 3;

/**
 * k scenes of h x w pixels as rows of SCENE_COLUMNS cells across `width`: as large as fits,
 * at most `maxCell` on the longer side, in the images' aspect (any size: they scale to the cell).
 */
export function sceneGrid(
  k: number,
  h: number,
  w: number,
  width: number,
  options: { maxCell?: number; gap?: number; header?: number; columns?: number } = {},
): SceneGrid {
  const gap = options.gap ?? 3;
  const header = options.header ?? 12;
  const maxCell = options.maxCell ?? 64;
  // Other rows of images side by side (the shift test's pairs) take their own number of columns.
  const columns = options.columns ?? SCENE_COLUMNS;
  if (k <= 0 || h <= 0 || w <= 0) return { scenes: 0, cellWidth: 0, cellHeight: 0, gap, header, width: 0, height: 0 };
  const across = Math.max(1, Math.floor((width - gap * (columns - 1)) / columns));
  const scale = Math.min(across / w, maxCell / Math.max(h, w));
  const cellWidth = Math.max(1, Math.floor(w * scale));
  const cellHeight = Math.max(1, Math.floor(h * scale));
  return {
    scenes: k,
    cellWidth,
    cellHeight,
    gap,
    header,
    width: columns * cellWidth + (columns - 1) * gap,
    height: header + k * cellHeight + (k - 1) * gap,
  };
}

/** Top-left corner of scene i's cell in column `column` (0: image, 1: true, 2: predicted). */
export function sceneCell(grid: SceneGrid, i: number, column: number): { x: number; y: number } {
  return { x: column * (grid.cellWidth + grid.gap), y: grid.header + i * (grid.cellHeight + grid.gap) };
}

/** A matrix drawn with square cells of whole pixels. */
export interface MatrixGrid {
  cell: number;
  width: number;
  height: number;
}

/**
 * The largest whole-pixel cell at which a rows x cols matrix fits width x maxHeight; at least
 * one pixel per entry, so that a matrix too large for the box overflows it (and scrolls) rather than losing entries.
 */
export function matrixGrid(rows: number, cols: number, width: number, maxHeight: number): MatrixGrid {
  if (rows <= 0 || cols <= 0) return { cell: 0, width: 0, height: 0 };
  const cell = Math.max(1, Math.floor(Math.min(width / cols, maxHeight / rows)));
  return { cell, width: cols * cell, height: rows * cell };
}

/** A small x-y chart's frame: the plot's box inside the drawing, its ranges and ticks. */
export interface ChartFrame {
  box: { x: number; y: number; width: number; height: number };
  x: [number, number];
  y: [number, number];
  xTicks: number[];
  yTicks: number[];
}

/** Round tick values from lo to hi, at most about `most` of them, on steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, most = 5): number[] {
  if (!(hi > lo) || most < 1) return [lo];
  const raw = (hi - lo) / most;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Where (x, y) of the chart's ranges falls on the drawing (y up). */
export function chartPoint(frame: ChartFrame, x: number, y: number): { px: number; py: number } {
  const { box } = frame;
  const [x0, x1] = frame.x;
  const [y0, y1] = frame.y;
  return {
    px: box.x + ((x - x0) / (x1 - x0 || 1)) * box.width,
    py: box.y + box.height - ((y - y0) / (y1 - y0 || 1)) * box.height,
  };
}

/** Room the chart leaves for its tick labels (left, bottom) and to breathe (top, right). */
export const CHART_MARGIN = { left: 26, right: 6, top: 6, bottom: 20 } as const;

/**
 * The frame of the correlation chart: distances 0..the largest on x; correlation on y from 1
 * down to 0, or a little below where a value dips under it.
 */
export function correlationFrame(distances: readonly number[], correlation: readonly number[], width: number, height: number): ChartFrame {
  const m = CHART_MARGIN;
  const box = { x: m.left, y: m.top, width: Math.max(1, width - m.left - m.right), height: Math.max(1, height - m.top - m.bottom) };
  const far = Math.max(1, ...distances);
  const low = Math.min(0, ...correlation.filter(Number.isFinite));
  const y: [number, number] = [low < 0 ? Math.floor(low * 10) / 10 : 0, 1];
  return { box, x: [0, far], y, xTicks: niceTicks(0, far, 5), yTicks: niceTicks(y[0], 1, 4).filter((t) => t >= y[0] && t <= 1) };
}

/** A curve y = f(x) over lo..hi (lo > 0) as n points, denser near lo where a power law bends most. */
export function curvePoints(f: (x: number) => number, lo: number, hi: number, n = 48): { x: number; y: number }[] {
  if (!(lo > 0) || !(hi > lo) || n < 2) return [];
  const ratio = Math.log(hi / lo);
  return Array.from({ length: n }, (_, i) => {
    const x = lo * Math.exp((ratio * i) / (n - 1));
    return { x, y: f(x) };
  });
}
