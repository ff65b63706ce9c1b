import { describe, expect, test } from "vitest";
import type { FrameHeader } from "../stream/frames";
import { landscapeTraces, LOG_FLOOR, lossAt, pathPointsDrawn, scaled, sliceOf, type LandscapeSlice } from "./landscape";
import type { ProbeFrame } from "./unpack";

/** A 3 x 3 slice over [-1, 1]^2 with rows computed up to `done` (the rest NaN, as the server sends them). */
function frame(done: number, path: number[][] = [[0.5, 0.5], [0.2, -0.1], [0, 0]], extra: Partial<FrameHeader> = {}): ProbeFrame {
  const loss = new Float32Array(9).fill(Number.NaN);
  for (let i = 0; i < done; i++) for (let j = 0; j < 3; j++) loss[i * 3 + j] = 1 + i + 10 * j;
  const header = {
    topic: "loss_landscape",
    node: null,
    step: 40,
    dtype: "float32",
    shape: [9 + path.length * 2],
    alphas: [-1, 0, 1],
    betas: [-1, 0, 1],
    rows_done: done,
    rows: 3,
    plane: "random",
    explained: [null, null],
    samples: 256,
    ...extra,
  } as FrameHeader;
  return {
    header,
    arrays: {
      loss: { shape: [3, 3], dtype: "float32", data: loss },
      path: { shape: [path.length, 2], dtype: "float32", data: new Float32Array(path.flat()) },
    },
  };
}

function slice(done: number, path?: number[][]): LandscapeSlice {
  const s = sliceOf(frame(done, path));
  if (!s) throw new Error("no slice");
  return s;
}

describe("sliceOf", () => {
  test("reads the grid by rows (betas) and columns (alphas); NaN rows become null", () => {
    const s = slice(1);
    expect(s.loss).toEqual([
      [1, 11, 21],
      [null, null, null],
      [null, null, null],
    ]);
    expect([s.rowsDone, s.rows, s.plane, s.samples, s.step]).toEqual([1, 3, "random", 256, 40]);
    expect(s.explained).toEqual([null, null]);
    expect(s.path.map(([a, b]) => [a, b].map((v) => Math.round(v * 100) / 100))).toEqual([[0.5, 0.5], [0.2, -0.1], [0, 0]]);
  });

  test("the trajectory plane's shares; a frame without a grid, or axes of another length, is none", () => {
    const t = sliceOf(frame(3, [[0, 0]], { plane: "trajectory", explained: [0.9, 0.08] }));
    expect(t?.plane).toBe("trajectory");
    expect(t?.explained).toEqual([0.9, 0.08]);
    expect(sliceOf({ header: frame(3).header, arrays: {} })).toBeNull();
    expect(sliceOf(frame(3, [[0, 0]], { alphas: [-1, 1] }))).toBeNull();
  });
});

describe("lossAt", () => {
  test("bilinear inside the computed cells, null outside the grid or beside a missing row", () => {
    const s = slice(2);
    expect(lossAt(s, -1, -1)).toBe(1);
    expect(lossAt(s, 1, 0)).toBe(22);
    expect(lossAt(s, -0.5, -0.5)).toBeCloseTo((1 + 11 + 2 + 12) / 4);
    expect(lossAt(s, 0, 0.5)).toBeNull(); // row 2 is not in yet
    expect(lossAt(s, 1.5, 0)).toBeNull();
  });
});

describe("landscapeTraces", () => {
  test("contour: the slice with null gaps, the whole path, and the now point at its end", () => {
    const traces = landscapeTraces(slice(1), "contour", false);
    expect(traces.map((t) => t.type)).toEqual(["contour", "scatter", "scatter"]);
    const [grid, path, now] = traces;
    expect(grid?.z).toEqual([
      [1, 11, 21],
      [null, null, null],
      [null, null, null],
    ]);
    expect((path?.x as number[]).length).toBe(3);
    expect(now?.name).toBe("now");
    expect(now?.x).toEqual([0]);
    expect(pathPointsDrawn(slice(1), "contour", false)).toBe(3);
  });

  test("log scale: the colours (and heights) are log10 of the loss, floored", () => {
    const [grid] = landscapeTraces(slice(3), "contour", true);
    expect((grid?.z as number[][])[0]?.[1]).toBeCloseTo(Math.log10(11));
    expect(scaled(0, true)).toBe(Math.log10(LOG_FLOOR));
    expect(scaled(5, false)).toBe(5);
    expect(JSON.stringify(grid?.colorbar)).toContain("log₁₀ loss");
  });

  test("surface: the path at the loss's height, only over computed cells; now only when it is drawn", () => {
    const partial = slice(2, [[0.5, 0.5], [-0.5, -0.5], [0, 0]]);
    const traces = landscapeTraces(partial, "surface", false);
    // (0.5, 0.5) lies over row 2, not in yet: left out; the origin is in.
    expect(traces.map((t) => t.type)).toEqual(["surface", "scatter3d", "scatter3d"]);
    expect(traces[1]?.z).toEqual([expect.closeTo((1 + 11 + 2 + 12) / 4), 12]);
    expect(traces[2]?.z).toEqual([12]);
    expect(pathPointsDrawn(partial, "surface", false)).toBe(2);
    // Only the first row: the origin's cell is incomplete, so neither path nor now is drawn.
    expect(landscapeTraces(slice(1), "surface", false).map((t) => t.type)).toEqual(["surface"]);
    // A path whose end is not drawn has no now point.
    const early = landscapeTraces(slice(2, [[-0.5, -0.5], [0.5, 0.5]]), "surface", false);
    expect(early.map((t) => t.name)).toEqual([undefined, "path"]);
  });
});
