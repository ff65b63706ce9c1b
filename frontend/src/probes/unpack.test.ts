// The TypeScript unpacker against frames made by the server's own packer
// (fixtures/make_fixtures.py writes the .bin files and what Python reads back from them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeFrame, FrameError } from "../stream/frames";
import {
  boundaryMeta,
  correlationCaption,
  correlationMeta,
  deadLabel,
  decodeProbe,
  erfMeta,
  errorText,
  floats,
  formatRate,
  matrixCaption,
  matrixMeta,
  normalizationCaption,
  normalizationMeta,
  normalizationRows,
  powerLaw,
  rateOf,
  scenesCaption,
  scenesOf,
  settled,
  segmentationMeta,
  sharePercent,
  shiftCaption,
  shiftImagesOf,
  shiftMeta,
  sig2,
  statsOf,
  unpackProbe,
  type ProbeArray,
} from "./unpack";

interface Expected {
  header: Record<string, unknown>;
  arrays: Record<string, { shape: number[]; dtype: string; values: number[] }>;
}

const DIR = join(import.meta.dirname, "fixtures");
const EXPECTED = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf-8")) as Record<string, Expected>;

function fixture(name: string): ArrayBuffer {
  const bytes = readFileSync(join(DIR, `${name}.bin`));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

describe("unpackProbe on the Python packer's frames", () => {
  test.each(Object.keys(EXPECTED))("%s: header and every array as Python reads them", (name) => {
    const expected = EXPECTED[name] as Expected;
    const probe = decodeProbe(fixture(name));
    expect(probe.header).toEqual(expected.header);
    expect(Object.keys(probe.arrays)).toEqual(Object.keys(expected.arrays));
    for (const [key, want] of Object.entries(expected.arrays)) {
      const array = probe.arrays[key];
      expect(array, key).toBeDefined();
      if (!array) continue;
      expect(array.shape).toEqual(want.shape);
      expect(array.dtype).toBe(want.dtype);
      expect(array.data.length).toBe(want.values.length);
      const got = Array.from(floats(array));
      got.forEach((v, i) => expect(v).toBeCloseTo(want.values[i] as number, 6));
    }
  });

  test("several parts are views on the frame's bytes, not copies", () => {
    const buffer = fixture("boundary");
    const probe = decodeProbe(buffer);
    expect(probe.header.dtype).toBe("float32");
    const output = probe.arrays.output;
    expect(output?.data.buffer).toBe(buffer);
    expect(Array.from(probe.arrays.classes?.data ?? [])).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(probe.arrays["neurons:a1"]?.shape).toEqual([2, 3, 3]);
  });

  test("all-uint8 parts stay uint8", () => {
    const probe = decodeProbe(fixture("masks"));
    expect(probe.arrays.pred?.data).toBeInstanceOf(Uint8Array);
    expect(probe.arrays.true?.shape).toEqual([3, 3]);
  });

  test("a frame with no arrays has an empty table; its numbers are in the header", () => {
    const probe = decodeProbe(fixture("stats"));
    expect(probe.arrays).toEqual({});
    expect(statsOf(probe.header)).toEqual({ mean: 0.25, std: 1.5, min: -1, max: 3, edges: [-1, 1, 3], counts: [5, 7] });
  });

  test("the topic's meta and the rate line", () => {
    const erf = decodeProbe(fixture("erf"));
    expect(erfMeta(erf.header)).toEqual({ sigma: [0.8, 0.9], centre: [1.5, 2], rfSize: [3, 3], rfBox: [0, 1, 2, 3], coverage: 0.75 });
    expect(rateOf(erf.header)).toEqual({ requestedHz: 10, rateHz: 2.5, throttled: true, probeMs: 4.25 });
    expect(formatRate(rateOf(erf.header))).toBe("2.5 Hz (throttled from 10 Hz)");
    expect(formatRate({ requestedHz: 10, rateHz: 10, throttled: false, probeMs: 1 })).toBe("10 Hz");
    const boundary = decodeProbe(fixture("boundary"));
    expect(boundaryMeta(boundary.header)).toEqual({ extent: 6, resolution: 3, loss: "cross_entropy", hidden: { a1: 2 } });
  });
});

describe("unpackProbe refuses broken tables", () => {
  const frame = (parts: unknown, length = 4) => {
    const base = decodeFrame(fixture("boundary"));
    return { header: { ...base.header, parts, shape: [length] }, data: new Float32Array(length) };
  };

  test("a part past the end of the data", () => {
    expect(() => unpackProbe(frame([{ name: "a", shape: [2, 2], offset: 2, size: 4 }]))).toThrow(FrameError);
  });

  test("a size that does not match the shape", () => {
    expect(() => unpackProbe(frame([{ name: "a", shape: [3], offset: 0, size: 2 }]))).toThrow(/size 2 for shape \[3\]/);
  });

  test("a table that is not a list of parts", () => {
    expect(() => unpackProbe(frame({ name: "a" }))).toThrow(/not a list/);
    expect(() => unpackProbe(frame([{ name: "a", shape: [-1], offset: 0, size: 1 }]))).toThrow(/part 0/);
  });
});

describe("the segmentation and matrix views' frames", () => {
  const array = (shape: number[], values?: number[]): ProbeArray => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { shape, dtype: "float32", data: new Float32Array(values ?? Array.from({ length: size }, (_, i) => i % 5)) };
  };

  test("scenes: as many as all three arrays hold, at any side; none when the shapes disagree", () => {
    const scenes = scenesOf({ images: array([3, 1, 96, 96]), pred: array([2, 96, 96]), true: array([3, 96, 96]) });
    expect(scenes).toMatchObject({ k: 2, c: 1, h: 96, w: 96 });
    expect(scenes?.pred).toBeInstanceOf(Float32Array);
    expect(scenesOf({ images: array([2, 3, 16, 24]), pred: array([2, 16, 24]), true: array([2, 16, 24]) })).toMatchObject({ k: 2, c: 3, h: 16, w: 24 });
    expect(scenesOf({ images: array([2, 1, 32, 32]), pred: array([2, 16, 16]), true: array([2, 32, 32]) })).toBeNull();
    expect(scenesOf({ images: array([0, 1, 32, 32]), pred: array([0, 32, 32]), true: array([0, 32, 32]) })).toBeNull();
    // The packer's fixture has masks alone (uint8, 3 x 3): no images, no scenes.
    expect(scenesOf(decodeProbe(fixture("masks")).arrays)).toBeNull();
  });

  test("segmentation meta: per-class IoU (null: a class absent), the mean, and a fresh scene side", () => {
    const masks = decodeProbe(fixture("masks"));
    expect(segmentationMeta(masks.header)).toEqual({ iou: [0.5, null], meanIou: 0.5, imageSize: null });
    const fresh = { ...masks.header, image_size: 96 };
    expect(segmentationMeta(fresh).imageSize).toBe(96);
    expect(segmentationMeta({ ...masks.header, image_size: 0 }).imageSize).toBeNull();
  });

  test("the scenes' caption: the test scenes, or larger ones made of them side by side", () => {
    expect(scenesCaption(4, 32, 32, 32)).toBe("the first 4 test scenes; IoU over the test set");
    expect(scenesCaption(4, 96, 96, 32)).toBe("4 scenes of 96×96, each 3×3 test scenes side by side; IoU over the larger scenes");
    expect(scenesCaption(4, 64, 64, 32)).toBe("4 scenes of 64×64, each 2×2 test scenes side by side; IoU over the larger scenes");
    // The side trained on unknown: no claim about tiles.
    expect(scenesCaption(4, 96, 96, null)).toBe("the first 4 test scenes; IoU over the test set");
  });

  test("the matrix's caption: its shape, the share not zero, the input it is drawn for", () => {
    const header = { ...decodeProbe(fixture("masks")).header, rows: 72, cols: 36, nonzero: 648, density: 0.25, input_shape: [1, 6, 6] };
    const meta = matrixMeta(header);
    expect(meta).toEqual({ rows: 72, cols: 36, nonzero: 648, density: 0.25, inputShape: [1, 6, 6] });
    expect(matrixCaption(meta)).toBe("72 × 36 matrix, 25% non-zero, on a 1×6×6 input");
    // Without a density, it follows from the count.
    expect(matrixMeta({ ...header, density: undefined, nonzero: 233 }).density).toBeCloseTo(233 / 2592, 9);
    expect(matrixCaption({ rows: 4, cols: 2, nonzero: null, density: null, inputShape: [] })).toBe("4 × 2 matrix");
    expect(sharePercent(0.0923)).toBe("9.2%");
    expect(sharePercent(0.0035)).toBe("0.35%");
    expect(sharePercent(0.256)).toBe("26%");
    expect(sharePercent(0)).toBe("0%");
    expect(sharePercent(1)).toBe("100%");
  });
});

describe("the shift test's and the pixel correlation's frames", () => {
  const header = (meta: Record<string, unknown>) => ({ ...decodeProbe(fixture("masks")).header, ...meta });
  const array = (shape: number[]): ProbeArray => ({ shape, dtype: "float32", data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

  test("shift meta: the shift, where the maps should be, the error and the change", () => {
    const meta = shiftMeta(header({ pixels: 2, output_shift: 1, whole_shift: true, equivariance_error: 3e-7, change: 0.24, channels: 8 }));
    expect(meta).toEqual({ pixels: 2, outputShift: 1, wholeShift: true, equivarianceError: 3e-7, change: 0.24, channels: 8 });
    expect(shiftMeta(header({ whole_shift: false })).wholeShift).toBe(false);
    expect(shiftMeta(header({})).equivarianceError).toBeNull();
  });

  test("shift images: inputs alike, maps alike, or none", () => {
    const images = shiftImagesOf({ input: array([1, 32, 32]), shifted_input: array([1, 32, 32]), before: array([4, 16, 16]), after: array([4, 16, 16]) });
    expect(images).toMatchObject({ c: 1, h: 32, w: 32, k: 4, mh: 16, mw: 16 });
    expect(images?.before).toBeInstanceOf(Float32Array);
    expect(shiftImagesOf({ input: array([1, 32, 32]), shifted_input: array([1, 32, 31]), before: array([4, 16, 16]), after: array([4, 16, 16]) })).toBeNull();
    expect(shiftImagesOf({ input: array([1, 32, 32]), shifted_input: array([1, 32, 32]), before: array([4, 16, 16]), after: array([2, 16, 16]) })).toBeNull();
    expect(shiftImagesOf({ input: array([1, 32, 32]), shifted_input: array([1, 32, 32]), before: array([0, 16, 16]), after: array([0, 16, 16]) })).toBeNull();
    expect(shiftImagesOf({ input: array([1, 32, 32]) })).toBeNull();
  });

  test("the shift caption says in words whether the maps moved with the image, and how much they changed", () => {
    const exact = { pixels: 1, outputShift: 1, wholeShift: true, equivarianceError: 2e-7, change: 0.24, channels: 8 };
    expect(shiftCaption(exact)).toBe("Input moved 1 px → maps moved 1 px: exact (error 2e-7); output changed by 24%");
    expect(shiftCaption({ ...exact, equivarianceError: 0.3141 })).toBe("Input moved 1 px → maps should move 1 px: not a shift (error 0.31); output changed by 24%");
    // A stride of 2 and a 1-pixel shift: half an output pixel, which no map can move.
    expect(shiftCaption({ ...exact, outputShift: 0, wholeShift: false, equivarianceError: 0.52 }, 0.5)).toBe(
      "Input moved 1 px → maps should move 0.5 px, not a whole pixel: not a shift (error 0.52); output changed by 24%",
    );
    expect(shiftCaption({ ...exact, equivarianceError: null })).toBe("output changed by 24%");
    expect(shiftCaption({ ...exact, change: null })).toBe("Input moved 1 px → maps moved 1 px: exact (error 2e-7)");
    expect(errorText(0)).toBe("0");
    expect(errorText(1.6e-7)).toBe("2e-7");
    expect(errorText(0.0123)).toBe("0.012");
    expect(errorText(1.5)).toBe("1.5");
  });

  test("correlation meta: the pairs both of whose values came, and the fit only when whole", () => {
    const meta = correlationMeta(header({ distances: [1, 2, 3, 4], correlation: [0.88, 0.6, null, 0.1], images: 512, fit: { a: 2.3, b: 1.38, r2: 0.76 } }));
    expect(meta).toEqual({ distances: [1, 2, 4], correlation: [0.88, 0.6, 0.1], images: 512, fit: { a: 2.3, b: 1.38, r2: 0.76 } });
    expect(correlationMeta(header({ distances: [1, 2], correlation: [0.5, 0.2], fit: null })).fit).toBeNull();
    expect(correlationMeta(header({ distances: [1], correlation: [0.5], fit: { a: 1, b: null, r2: 0.5 } })).fit).toBeNull();
    expect(correlationMeta(header({})).distances).toEqual([]);
    expect(powerLaw({ a: 2, b: 1, r2: 1 }, 4)).toBeCloseTo(0.5, 12);
  });

  test("the correlation caption: the nearest and the farthest, and the law fitted", () => {
    const distances = Array.from({ length: 14 }, (_, i) => i + 1);
    const correlation = distances.map((d) => (d === 1 ? 0.8812 : d === 14 ? 0.0213 : 0.3));
    const fit = { a: 2.31, b: 1.3812, r2: 0.7633 };
    expect(correlationCaption({ distances, correlation, images: 512, fit })).toBe("neighbours 0.88, 14 px apart 0.02; fit c ≈ 2.3·d^-1.38 (R² 0.76)");
    expect(correlationCaption({ distances, correlation, images: 512, fit: null })).toBe("neighbours 0.88, 14 px apart 0.02; no power-law fit");
    // A correlation that grows with distance has a negative b: the exponent reads positive.
    expect(correlationCaption({ distances: [2, 3], correlation: [0.1, 0.2], images: null, fit: { a: 0.05, b: -1.5, r2: 1 } })).toBe(
      "2 px apart 0.10, 3 px apart 0.20; fit c ≈ 0.05·d^1.50 (R² 1.00)",
    );
    expect(correlationCaption({ distances: [], correlation: [], images: null, fit: null })).toBe("");
  });
});

describe("the activations' switched-off units", () => {
  test("dead for a ReLU; only switched off for the leaky rectifiers, whose gradient still passes", () => {
    expect(deadLabel("relu").label).toBe("dead units");
    expect(deadLabel("leaky_relu").label).toBe("switched off");
    expect(deadLabel("prelu").label).toBe("switched off");
    expect(deadLabel("prelu").title).toContain("gradient");
    // A frame without a type keeps the older word.
    expect(deadLabel(null).label).toBe("dead units");
  });
});

describe("the normalization frame", () => {
  const header = (meta: Record<string, unknown>) => ({ ...decodeProbe(fixture("masks")).header, ...meta });
  // A batch norm after a convolution, as the probe measures it: its own grouping exactly 0 and 1.
  const bn = {
    type: "batchnorm",
    samples: 64,
    before: { batch: { mean: 0.31, std: 0.52 }, layer: { mean: 0.3, std: 0.6 }, instance: { mean: 0.28, std: 0.41 } },
    after: { batch: { mean: 3.1e-9, std: 0.99999 }, layer: { mean: 0.42, std: 0.95 }, instance: { mean: 0.5, std: 0.71 } },
  };

  test("meta: the type, the samples, each grouping's mean and spread; a broken entry left out", () => {
    const meta = normalizationMeta(header({ ...bn, after: { ...bn.after, group: { mean: null, std: 1 }, other: { mean: 0, std: 1 } } }));
    expect(meta.type).toBe("batchnorm");
    expect(meta.samples).toBe(64);
    expect(meta.before).toEqual(bn.before);
    expect(Object.keys(meta.after)).toEqual(["batch", "layer", "instance"]);
    expect(normalizationMeta(header({}))).toEqual({ type: null, samples: null, before: {}, after: {} });
  });

  test("rows in the order batch, layer, group, instance, the settled ones marked", () => {
    const gn = {
      ...bn,
      type: "groupnorm",
      before: { ...bn.before, group: { mean: 0.3, std: 0.5 } },
      after: { instance: { mean: 0.2, std: 0.8 }, group: { mean: 1e-8, std: 1 }, layer: { mean: 1e-8, std: 1 }, batch: { mean: 0.1, std: 0.97 } },
    };
    const rows = normalizationRows(normalizationMeta(header(gn)));
    expect(rows.map((r) => r.name)).toEqual(["batch", "layer", "group", "instance"]);
    expect(rows.map((r) => r.settled)).toEqual([false, true, true, false]);
    expect(rows.map((r) => r.label)).toEqual([
      "per channel, over batch and pixels",
      "per sample",
      "per sample, per group of channels",
      "per sample and channel, over pixels",
    ]);
    // Vectors have no pixels: batch norm's groups are features.
    const flat = normalizationRows(normalizationMeta(header({ type: "batchnorm", before: { batch: { mean: 1, std: 2 } }, after: { batch: { mean: 0, std: 1 } } })));
    expect(flat.map((r) => r.label)).toEqual(["per feature, over the batch"]);
  });

  test("settled: mean under 0.05 and spread within 0.05 of 1", () => {
    expect(settled({ mean: 0.049, std: 1.049 })).toBe(true);
    expect(settled({ mean: -0.01, std: 0.96 })).toBe(true);
    expect(settled({ mean: 0.05, std: 1 })).toBe(false);
    expect(settled({ mean: 0, std: 0.95 })).toBe(false);
    expect(settled(undefined)).toBe(false);
  });

  test("the caption says which grouping the layer settles, and what else comes out settled with it", () => {
    expect(normalizationCaption(normalizationMeta(header(bn)))).toBe("batchnorm sets mean 0 and spread 1 per channel, over the batch and the pixels");
    const all = { mean: 1e-9, std: 1 };
    const inorm = { ...bn, type: "instancenorm", after: { batch: all, layer: all, instance: all } };
    expect(normalizationCaption(normalizationMeta(header(inorm)))).toBe(
      "instancenorm sets mean 0 and spread 1 per sample and channel, over the pixels; so also per channel, per sample",
    );
    const ln = { ...bn, type: "layernorm", after: { ...bn.after, batch: { mean: 0.2, std: 0.9 }, layer: all } };
    expect(normalizationCaption(normalizationMeta(header(ln)))).toBe("layernorm sets mean 0 and spread 1 per sample, over all its values");
    expect(normalizationCaption(normalizationMeta(header({ ...bn, after: bn.before })))).toBe("batchnorm leaves every grouping unsettled");
    expect(normalizationCaption(normalizationMeta(header({})))).toBe("");
  });

  test("two significant figures; a settled mean's tiny value in exponent form", () => {
    expect(sig2(0.98123)).toBe("0.98");
    expect(sig2(1)).toBe("1.0");
    expect(sig2(0.99999)).toBe("1.0");
    expect(sig2(12.3)).toBe("12");
    expect(sig2(123)).toBe("120");
    expect(sig2(3.14e-9)).toBe("3.1e-9");
    expect(sig2(0.0123)).toBe("0.012");
    expect(sig2(0)).toBe("0");
    expect(sig2(null)).toBe("–");
  });
});
