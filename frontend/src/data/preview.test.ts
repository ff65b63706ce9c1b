import { describe, expect, test } from "vitest";
import { ApiError } from "../api/client";
import type { DatasetPreviewResponse } from "../api/types";
import { imageRgba, labelRgb, labelRgba, BACKGROUND, CLASS_COLOURS } from "../render/colormap";
import { onSquare, planeToCanvas } from "../render/layout";
import { parsePreview, pointsInPlane, previewCount, previewKey, PreviewFormatError, PREVIEW_IMAGES, PREVIEW_POINTS } from "./preview";
import { PreviewCache } from "./previewCache";

const planar = (over: Partial<DatasetPreviewResponse> = {}): DatasetPreviewResponse => ({
  name: "spiral",
  task: "classification",
  input_shape: [2],
  class_names: ["a", "b"],
  train_x: [[0, 1], [-7, 2]],
  train_y: [0, 1],
  sampled: false,
  test_x: [[5.5, -6]],
  test_y: [1],
  ...over,
});

describe("plane to canvas", () => {
  test("corners and centre of [-6, 6]^2 on a square (y up)", () => {
    expect(planeToCanvas(-6, 6, 6, 120)).toEqual({ px: 0, py: 0 });
    expect(planeToCanvas(6, -6, 6, 120)).toEqual({ px: 120, py: 120 });
    expect(planeToCanvas(0, 0, 6, 120)).toEqual({ px: 60, py: 60 });
    expect(planeToCanvas(3, 3, 6, 120)).toEqual({ px: 90, py: 30 });
  });

  test("aligned to a linspace grid: grid point j at the centre of pixel j", () => {
    // r = 5 samples -6, -3, 0, 3, 6 drawn over 100 px: pixel j covers [20 j, 20 j + 20).
    expect(planeToCanvas(-6, 6, 6, 100, 5)).toEqual({ px: 10, py: 10 });
    expect(planeToCanvas(-3, 3, 6, 100, 5)).toEqual({ px: 30, py: 30 });
    expect(planeToCanvas(0, 0, 6, 100, 5)).toEqual({ px: 50, py: 50 });
    expect(planeToCanvas(6, -6, 6, 100, 5)).toEqual({ px: 90, py: 90 });
  });

  test("on the square or not", () => {
    expect(onSquare(0, 100, 100)).toBe(true);
    expect(onSquare(-0.1, 50, 100)).toBe(false);
    expect(onSquare(50, 100.5, 100)).toBe(false);
  });
});

describe("preview answers", () => {
  test("2-D classification: points and classes per split", () => {
    const p = parsePreview(planar());
    expect(p.kind).toBe("points");
    if (p.kind !== "points") return;
    expect(Array.from(p.train.x)).toEqual([0, -7]);
    expect(Array.from(p.train.y)).toEqual([1, 2]);
    expect(Array.from(p.train.label)).toEqual([0, 1]);
    expect(Array.from(p.test.x)).toEqual([5.5]);
    expect(p.regression).toBe(false);
    expect(p.classNames).toEqual(["a", "b"]);
    expect(p.labelRange).toEqual([0, 1]);
    // (-7, 2) is off the plane.
    expect(pointsInPlane(p.train, 6)).toBe(1);
    expect(pointsInPlane(p.test, 6)).toBe(1);
  });

  test("2-D regression: [v] labels unwrapped, their range", () => {
    const p = parsePreview(planar({ task: "regression", class_names: [], train_y: [[0.5], [-2]], test_y: [[3]] }));
    if (p.kind !== "points") throw new Error(p.kind);
    expect(p.regression).toBe(true);
    expect(Array.from(p.train.label)).toEqual([0.5, -2]);
    expect(p.labelRange).toEqual([-2, 3]);
  });

  test("a table of other than two features (an uploaded CSV): its rows and labels", () => {
    const rows = [
      [1, 2, 3],
      [4, 5.5, 6],
    ];
    const p = parsePreview(planar({ input_shape: [3], train_x: rows, train_y: [1, 0], test_x: [[0, 0, 0]], test_y: [0] }));
    if (p.kind !== "table") throw new Error(p.kind);
    expect(p.width).toBe(3);
    expect(p.rows).toEqual(rows);
    expect(p.labels).toEqual([1, 0]);
    expect(() => parsePreview(planar({ input_shape: [3], train_x: [[1, 2]], train_y: [0] }))).toThrow(PreviewFormatError);
    const values = parsePreview(planar({ input_shape: [1], task: "regression", train_x: [[1], [2]], train_y: [[0.5], [1.5]] }));
    if (values.kind !== "table") throw new Error(values.kind);
    expect(values.regression).toBe(true);
    expect(values.labels).toEqual([0.5, 1.5]);
  });

  test("image classification: [C, H, W] images packed, the first `limit`", () => {
    const img = (v: number) => [[[v, v], [v, v], [v, v]]]; // 1 x 3 x 2
    const p = parsePreview(
      { name: "digits", task: "classification", input_shape: [1, 3, 2], class_names: ["0", "1", "2"], train_x: [img(0.1), img(0.2), img(0.3)], train_y: [2, 0, 1], test_x: [], test_y: [] },
      2,
    );
    if (p.kind !== "images") throw new Error(p.kind);
    expect([p.count, p.c, p.h, p.w]).toEqual([2, 1, 3, 2]);
    expect(p.labels).toEqual([2, 0]);
    expect(p.images.length).toBe(12);
    expect(p.images[6]).toBeCloseTo(0.2);
    expect(p.sampled).toBe(false);
    const drawn = parsePreview({ name: "shapes", task: "classification", input_shape: [1, 3, 2], class_names: ["a"], train_x: [img(0)], train_y: [0], test_x: [], test_y: [], sampled: true });
    expect(drawn.kind === "images" && drawn.sampled).toBe(true); // a large set drawn again: said so
  });

  test("segmentation: images and their [H, W] label maps", () => {
    const p = parsePreview({
      name: "segmentation",
      task: "segmentation",
      input_shape: [1, 2, 2],
      class_names: ["background", "circle"],
      train_x: [[[[0, 1], [1, 0]]]],
      train_y: [[[0, 1], [1, 0]]],
      test_x: [],
      test_y: [],
    });
    if (p.kind !== "segmentation") throw new Error(p.kind);
    expect(Array.from(p.masks)).toEqual([0, 1, 1, 0]);
    expect(Array.from(p.images)).toEqual([0, 1, 1, 0]);
  });

  test("malformed answers are refused with a reason", () => {
    expect(() => parsePreview(null)).toThrow(PreviewFormatError);
    expect(() => parsePreview({ train_x: [] })).toThrow(/no train_y/);
    expect(() => parsePreview(planar({ train_x: [[0, 1, 2], [1, 1]] }))).toThrow(/train_x\[0\]/);
    expect(() => parsePreview(planar({ train_y: [0] }))).toThrow(/2 points but 1 labels/);
    expect(() => parsePreview(planar({ test_y: ["x"] }))).toThrow(/test_y\[0\]/);
    const ragged = { ...planar(), input_shape: [1, 2, 2], train_x: [[[[0, 1], [1, 0]]], [[[0, 1], [1]]]], train_y: [0, 1] };
    expect(() => parsePreview(ragged)).toThrow(/train_x\[1\]/);
  });

  test("request keys ignore the params' key order; counts by input shape", () => {
    expect(previewKey({ name: "spiral", params: { a: 1, b: [2, 3] } }, 500)).toBe(previewKey({ name: "spiral", params: { b: [2, 3], a: 1 } }, 500));
    expect(previewKey({ name: "spiral", params: { a: 1 } }, 500)).not.toBe(previewKey({ name: "spiral", params: { a: 2 } }, 500));
    expect(previewKey({ name: "spiral", params: {} }, 500)).not.toBe(previewKey({ name: "moons", params: {} }, 500));
    expect(previewCount([2])).toBe(PREVIEW_POINTS);
    expect(previewCount([1, 8, 8])).toBe(PREVIEW_IMAGES);
  });
});

describe("image pixels", () => {
  test("grey from the first channel, RGB from three", () => {
    expect(Array.from(imageRgba([0, 1], 0, 1, 1, 2))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(Array.from(imageRgba([1, 0, 0.5], 0, 3, 1, 1))).toEqual([255, 0, 128, 255]);
  });

  test("label maps: background grey, objects the class colours", () => {
    expect(labelRgb(0)).toEqual(BACKGROUND);
    expect(labelRgb(1)).toEqual(CLASS_COLOURS[0]);
    expect(Array.from(labelRgba([0, 2], 0, 2).slice(4, 7))).toEqual(CLASS_COLOURS[1]);
  });
});

describe("the preview cache", () => {
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

  test("one fetch per dataset + params, whoever asks; listeners hear each change", async () => {
    const calls: string[] = [];
    const cache = new PreviewCache((name, params, n) => {
      calls.push(`${name} ${JSON.stringify(params)} ${n}`);
      return Promise.resolve(planar());
    });
    let heard = 0;
    cache.subscribe(() => heard++);
    const key = cache.load({ name: "spiral", params: { noise: 0.1 } }, 500);
    expect(cache.get(key)?.status).toBe("loading");
    cache.load({ name: "spiral", params: { noise: 0.1 } }, 500);
    await flush();
    cache.load({ name: "spiral", params: { noise: 0.1 } }, 500);
    expect(calls).toEqual(['spiral {"noise":0.1} 500']);
    const entry = cache.get(key);
    expect(entry?.status).toBe("ready");
    expect(heard).toBe(2);
  });

  test("the server's detail is kept; an unreachable server is asked again", async () => {
    let n = 0;
    const cache = new PreviewCache((name) => {
      n++;
      return Promise.reject(name === "down" ? new ApiError(0, "cannot reach the LayerLab server") : new ApiError(422, "params.noise: must be a number"));
    });
    const bad = cache.load({ name: "spiral", params: { noise: "x" } }, 500);
    await flush();
    expect(cache.get(bad)).toEqual({ status: "error", key: bad, message: "params.noise: must be a number" });
    cache.load({ name: "spiral", params: { noise: "x" } }, 500);
    expect(n).toBe(1);
    cache.load({ name: "down", params: {} }, 500);
    await flush();
    cache.load({ name: "down", params: {} }, 500);
    expect(n).toBe(3);
  });

  test("a malformed answer is an error, not a crash", async () => {
    const cache = new PreviewCache(() => Promise.resolve({ nope: 1 } as unknown as DatasetPreviewResponse));
    const key = cache.load({ name: "spiral", params: {} }, 500);
    await flush();
    const entry = cache.get(key);
    expect(entry?.status).toBe("error");
    if (entry?.status === "error") expect(entry.message).toContain("unexpected preview");
  });
});
