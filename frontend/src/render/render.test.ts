import { describe, expect, test } from "vitest";
import { BLUE_ORANGE, buildLut, CIVIDIS, inkOn, lutIndex, range, toRgba, VIRIDIS } from "./colormap";
import {
  boxRect,
  cellAt,
  CHART_MARGIN,
  chartPoint,
  classBorders,
  correlationFrame,
  curvePoints,
  flatGrid,
  gridLayout,
  histogramBars,
  matrixGrid,
  niceTicks,
  rowShares,
  sceneCell,
  sceneGrid,
} from "./layout";

const rgb = (lut: Uint8Array, i: number) => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];

describe("colour tables", () => {
  test("the ends are the control colours, the middle interpolates", () => {
    expect(rgb(VIRIDIS, 0)).toEqual([0x44, 0x01, 0x54]);
    expect(rgb(VIRIDIS, 255)).toEqual([0xfd, 0xe7, 0x25]);
    expect(rgb(CIVIDIS, 0)).toEqual([0x00, 0x20, 0x4d]);
    const two = buildLut(["#000000", "#ffffff"]);
    expect(rgb(two, 0)).toEqual([0, 0, 0]);
    expect(rgb(two, 255)).toEqual([255, 255, 255]);
    expect(rgb(two, 128)).toEqual([128, 128, 128]);
  });

  test("perceptually ordered: viridis and cividis get lighter all the way", () => {
    for (const lut of [VIRIDIS, CIVIDIS]) {
      const luma = (i: number) => 0.299 * (lut[i * 3] as number) + 0.587 * (lut[i * 3 + 1] as number) + 0.114 * (lut[i * 3 + 2] as number);
      for (let i = 8; i < 256; i += 8) expect(luma(i)).toBeGreaterThan(luma(i - 8));
    }
    // The diverging map is lightest in the middle.
    const mid = rgb(BLUE_ORANGE, 128).reduce((a, b) => (a as number) + (b as number), 0) as number;
    expect(mid).toBeGreaterThan(700);
  });

  test("values to pixels: clamped, NaN transparent", () => {
    expect(lutIndex(-5, 0, 1)).toBe(0);
    expect(lutIndex(5, 0, 1)).toBe(255);
    expect(lutIndex(0.5, 0, 1)).toBe(128);
    expect(lutIndex(3, 3, 3)).toBe(128);
    expect(lutIndex(Number.NaN, 0, 1)).toBe(-1);
    const px = toRgba([0, 1, Number.NaN], VIRIDIS, 0, 1);
    expect(Array.from(px.slice(0, 4))).toEqual([0x44, 0x01, 0x54, 255]);
    expect(Array.from(px.slice(4, 8))).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(px[11]).toBe(0);
    expect(range([3, -1, 2])).toEqual([-1, 3]);
    expect(range([])).toEqual([0, 1]);
    expect(inkOn(VIRIDIS, 0)).toBe("#fff");
    expect(inkOn(VIRIDIS, 1)).toBe("#000");
  });
});

describe("layout", () => {
  test("a grid of square cells that fits the width", () => {
    const g = gridLayout(16, 290, { maxCols: 8, maxCell: 72 });
    expect(g).toMatchObject({ cols: 8, rows: 2, cell: 34 });
    expect(g.width).toBeLessThanOrEqual(290);
    expect(cellAt(g, 9)).toEqual({ x: 36, y: 36 });
    expect(gridLayout(3, 290, { maxCell: 40 })).toMatchObject({ cols: 3, rows: 1, cell: 40 });
    expect(gridLayout(0, 100).width).toBe(0);
  });

  test("a flat grid: the largest cells within a height, else one row", () => {
    // 16 units over 104 px within 44 px: 7 columns of 14 px in 3 rows (8 of 12 in 2 would be smaller).
    expect(flatGrid(16, 104, 44, { maxCell: 26, gap: 1 })).toMatchObject({ cols: 7, rows: 3, cell: 14, height: 44 });
    expect(flatGrid(4, 104, 44, { maxCell: 26, gap: 1 })).toMatchObject({ cols: 4, rows: 1, cell: 25 });
    const tiny = flatGrid(64, 104, 5, { maxCell: 26, gap: 1 });
    expect(tiny.height).toBeLessThanOrEqual(5);
    expect(flatGrid(64, 104, 0, { maxCell: 26, gap: 1 })).toMatchObject({ cols: 64, rows: 1 });
  });

  test("histogram bars span the edges; the tallest fills the height", () => {
    const bars = histogramBars([0, 1, 2, 4], [1, 4, 0], 100, 50, false);
    expect(bars).toHaveLength(3);
    expect(bars[0]?.x).toBe(0);
    expect(bars[2]?.x).toBe(50);
    expect(bars[1]?.height).toBe(50);
    expect(bars[0]?.height).toBe(12.5);
    expect(bars[2]?.height).toBe(0);
    expect(histogramBars([0, 1], [1, 2], 10, 10)).toEqual([]);
  });

  test("confusion rows as shares; class borders; the field's box clipped to the image", () => {
    expect(Array.from(rowShares([3, 1, 0, 0], 2))).toEqual([0.75, 0.25, 0, 0]);
    expect(Array.from(classBorders([0, 0, 1, 0, 0, 1, 0, 0, 1], 3, 3))).toEqual([0, 1, 0, 0, 1, 0, 0, 1, 0]);
    expect(boxRect([2, 2, 4, 4], 8, 8, 10)).toEqual({ x: 20, y: 20, width: 30, height: 30, clipped: false });
    expect(boxRect([-3, -3, 5, 5], 4, 4, 10)).toEqual({ x: 0, y: 0, width: 40, height: 40, clipped: true });
    expect(boxRect([9, 9, 12, 12], 4, 4, 10)).toBeNull();
  });

  test("scenes: three cells a row in the images' aspect, whatever their side", () => {
    // 4 scenes of 32 px in 176 px: 3 cells of 56 px (3 px gaps), under a 12 px title line.
    const g = sceneGrid(4, 32, 32, 176);
    expect(g).toMatchObject({ scenes: 4, cellWidth: 56, cellHeight: 56, width: 174, height: 12 + 4 * 56 + 3 * 3 });
    expect(sceneCell(g, 0, 0)).toEqual({ x: 0, y: 12 });
    expect(sceneCell(g, 1, 2)).toEqual({ x: 118, y: 71 });
    // Larger scenes get the same cells: the layout follows the width, not the pixels.
    expect(sceneGrid(4, 128, 128, 176)).toMatchObject({ cellWidth: 56, cellHeight: 56 });
    // A small width or cap: smaller cells; a wide scene keeps its aspect.
    expect(sceneGrid(2, 16, 16, 600, { maxCell: 40 })).toMatchObject({ cellWidth: 40, cellHeight: 40 });
    expect(sceneGrid(1, 16, 32, 176)).toMatchObject({ cellWidth: 56, cellHeight: 28 });
    expect(sceneGrid(1, 64, 32, 176, { maxCell: 64 })).toMatchObject({ cellWidth: 32, cellHeight: 64 });
    expect(sceneGrid(0, 32, 32, 176)).toMatchObject({ scenes: 0, width: 0, height: 0 });
  });

  test("a matrix: the largest whole-pixel cells that fit, at least one pixel an entry", () => {
    expect(matrixGrid(72, 36, 290, 320)).toEqual({ cell: 4, width: 144, height: 288 });
    expect(matrixGrid(8, 8, 290, 320)).toEqual({ cell: 36, width: 288, height: 288 });
    expect(matrixGrid(1024, 512, 290, 320)).toEqual({ cell: 1, width: 512, height: 1024 });
    expect(matrixGrid(0, 36, 290, 320)).toEqual({ cell: 0, width: 0, height: 0 });
  });
  test("rows of two (the shift test): the same cells, two columns across", () => {
    // 5 rows of 32 px images in 290 px at most 64 px a cell: two 64 px cells a row.
    const g = sceneGrid(5, 32, 32, 290, { columns: 2, maxCell: 64 });
    expect(g).toMatchObject({ scenes: 5, cellWidth: 64, cellHeight: 64, width: 131, height: 12 + 5 * 64 + 4 * 3 });
    expect(sceneCell(g, 2, 1)).toEqual({ x: 67, y: 12 + 2 * 67 });
    // Narrow: the width decides.
    expect(sceneGrid(2, 8, 8, 83, { columns: 2 })).toMatchObject({ cellWidth: 40, width: 83 });
  });

  test("a chart's ticks are round, within the range, at most about as many as asked", () => {
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 16, 5)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(0, 4, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTicks(-0.1, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(-0.2, 1, 6)).toEqual([-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  test("the correlation chart: 0..the farthest distance across, 1 down to 0 or just below", () => {
    const f = correlationFrame([1, 2, 3, 14], [0.9, 0.5, 0.2, 0.02], 176, 130);
    expect(f.box).toEqual({ x: CHART_MARGIN.left, y: CHART_MARGIN.top, width: 176 - CHART_MARGIN.left - CHART_MARGIN.right, height: 130 - CHART_MARGIN.top - CHART_MARGIN.bottom });
    expect(f.x).toEqual([0, 14]);
    expect(f.y).toEqual([0, 1]);
    expect(f.xTicks).toEqual([0, 5, 10]);
    expect(f.yTicks).toEqual([0, 0.5, 1]);
    // y = 1 at the top of the box, y = 0 at its bottom; x = 0 at its left.
    expect(chartPoint(f, 0, 1)).toEqual({ px: f.box.x, py: f.box.y });
    expect(chartPoint(f, 14, 0)).toEqual({ px: f.box.x + f.box.width, py: f.box.y + f.box.height });
    // A dip below zero extends the range to the next tenth under it.
    expect(correlationFrame([1, 2], [0.5, -0.03], 176, 130).y).toEqual([-0.1, 1]);
  });

  test("a fitted curve is sampled from its first distance to the last, closer together near the first", () => {
    const pts = curvePoints((x) => 1 / x, 1, 16, 5);
    expect(pts.map((p) => p.x)).toEqual([1, 2, 4, 8, 16].map((x) => expect.closeTo(x, 9) as unknown as number));
    expect(pts[4]?.y).toBeCloseTo(1 / 16, 9);
    expect(curvePoints((x) => x, 0, 16)).toEqual([]);
    expect(curvePoints((x) => x, 2, 2)).toEqual([]);
  });
});
