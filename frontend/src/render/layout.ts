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
