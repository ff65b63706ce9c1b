import { describe, expect, test } from "vitest";
import { PAIR_MAX_SIZE, PAIR_MIN_SIZE, pairPlotSize } from "./pairSize";

describe("pairPlotSize", () => {
  test("the height decides on a wide, short view; the width on a narrow, tall one", () => {
    expect(pairPlotSize(1000, 350)).toBe(350 - 84);
    expect(pairPlotSize(760, 900)).toBe((760 - 20) / 2 - 150);
  });

  test("never smaller than the run views' column draws it, nor larger than the bound", () => {
    expect(pairPlotSize(300, 150)).toBe(PAIR_MIN_SIZE);
    expect(pairPlotSize(4000, 3000)).toBe(PAIR_MAX_SIZE);
  });

  test("three columns share the width; a view without controls beside it takes their room", () => {
    expect(pairPlotSize(1000, 900, 3, 0)).toBe(Math.round((1000 - 40) / 3));
    expect(pairPlotSize(760, 900, 2, 0)).toBe((760 - 20) / 2);
    expect(pairPlotSize(760, 900, 1)).toBe(PAIR_MAX_SIZE);
  });
});
