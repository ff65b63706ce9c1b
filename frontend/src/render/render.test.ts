import { describe, expect, test } from "vitest";
import { BLUE_ORANGE, buildLut, CIVIDIS, inkOn, lutIndex, range, toRgba, VIRIDIS } from "./colormap";
import { boxRect, cellAt, classBorders, gridLayout, histogramBars, rowShares } from "./layout";

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
});
