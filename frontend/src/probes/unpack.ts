// A probe's frame as named arrays (docs/api.md, "Probes"; server/probe_frames.py is the
// Python side). A probe with one array sends it as the frame's data (header `name`);
// one with several sends them packed in one 1-D array with a `parts` table
// [{name, shape, offset, size}] (offsets and sizes in elements). Activations and
// gradients send an empty table: their data is all in the header.
import { decodeFrame, FrameError, toFloat32, type Frame, type FrameData, type FrameDtype, type FrameHeader } from "../stream/frames";

export interface ProbeArray {
  shape: number[];
  dtype: FrameDtype;
  /** A view on the frame's bytes (float16 as raw bits; see `floats`). */
  data: FrameData;
}

export interface ProbeFrame {
  header: FrameHeader;
  arrays: Record<string, ProbeArray>;
}

export interface Part {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function isSize(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

function readParts(raw: unknown, topic: string): Part[] {
  if (!Array.isArray(raw)) throw new FrameError(`frame ${topic}: parts is not a list`);
  return raw.map((entry: unknown, i) => {
    const part = entry as Partial<Record<keyof Part, unknown>> | null;
    if (
      typeof part !== "object" ||
      part === null ||
      typeof part.name !== "string" ||
      !Array.isArray(part.shape) ||
      !part.shape.every(isSize) ||
      !isSize(part.offset) ||
      !isSize(part.size)
    ) {
      throw new FrameError(`frame ${topic}: part ${i} is not {name, shape, offset, size}`);
    }
    return { name: part.name, shape: part.shape, offset: part.offset, size: part.size };
  });
}

/** The named arrays of a decoded frame: parts sliced as views, or the one array under its name. */
export function unpackProbe(frame: Frame): ProbeFrame {
  const { header, data } = frame;
  if (!("parts" in header)) {
    const name = typeof header.name === "string" ? header.name : "data";
    return { header, arrays: { [name]: { shape: header.shape, dtype: header.dtype, data } } };
  }
  if (header.shape.length !== 1) {
    throw new FrameError(`frame ${header.topic}: packed parts need a 1-D array, got [${header.shape.join(", ")}]`);
  }
  const arrays: Record<string, ProbeArray> = {};
  for (const part of readParts(header.parts, header.topic)) {
    if (product(part.shape) !== part.size) {
      throw new FrameError(`frame ${header.topic}: part ${part.name} has size ${part.size} for shape [${part.shape.join(", ")}]`);
    }
    if (part.offset + part.size > data.length) {
      throw new FrameError(`frame ${header.topic}: part ${part.name} ends past the data (${data.length} elements)`);
    }
    arrays[part.name] = { shape: part.shape, dtype: header.dtype, data: data.subarray(part.offset, part.offset + part.size) };
  }
  return { header, arrays };
}

/** Decode and unpack one binary message. */
export function decodeProbe(buffer: ArrayBuffer): ProbeFrame {
  return unpackProbe(decodeFrame(buffer));
}

/** An array's values as numbers (float16 expanded, uint8 widened). */
export function floats(array: ProbeArray): Float32Array {
  return toFloat32(array.data, array.dtype);
}

// --- the header's small values, read defensively (a missing or null value is null) ---

export function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function nums(value: unknown): (number | null)[] {
  return Array.isArray(value) ? value.map(num) : [];
}

/** A pair [a, b] of finite numbers, else null. */
export function pair(value: unknown): [number, number] | null {
  const [a, b] = nums(value);
  return a !== undefined && b !== undefined && a !== null && b !== null ? [a, b] : null;
}

/** How often the server computes the topic: what was asked, what it got, and why. */
export interface ProbeRate {
  requestedHz: number | null;
  rateHz: number | null;
  throttled: boolean;
  probeMs: number | null;
}

export function rateOf(header: FrameHeader): ProbeRate {
  return {
    requestedHz: num(header.requested_hz),
    rateHz: num(header.rate_hz),
    throttled: header.throttled === true,
    probeMs: num(header.probe_ms),
  };
}

/** "2.5 Hz (throttled from 10 Hz)" */
export function formatRate(rate: ProbeRate): string {
  if (rate.rateHz === null) return "rate unknown";
  const hz = (v: number): string => `${v >= 10 ? Math.round(v) : v.toFixed(1)} Hz`;
  const base = hz(rate.rateHz);
  if (!rate.throttled) return base;
  return rate.requestedHz !== null ? `${base} (throttled from ${hz(rate.requestedHz)})` : `${base} (throttled)`;
}

/** Summary statistics and histogram of activations, weights or gradients. */
export interface Stats {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  edges: number[];
  counts: number[];
}

export function statsOf(header: FrameHeader): Stats {
  const edges = nums(header.hist_edges).filter((v): v is number => v !== null);
  const counts = nums(header.hist_counts).map((v) => v ?? 0);
  const ok = edges.length === counts.length + 1;
  return {
    mean: num(header.mean),
    std: num(header.std),
    min: num(header.min),
    max: num(header.max),
    edges: ok ? edges : [],
    counts: ok ? counts : [],
  };
}

export interface ErfMeta {
  sigma: [number, number] | null;
  centre: [number, number] | null;
  rfSize: [number, number] | null;
  /** [top, left, bottom, right], inclusive, in input pixels; may reach outside the image. */
  rfBox: [number, number, number, number] | null;
  coverage: number | null;
}

export function erfMeta(header: FrameHeader): ErfMeta {
  const box = nums(header.rf_box);
  return {
    sigma: pair(header.sigma),
    centre: pair(header.centre),
    rfSize: pair(header.rf_size),
    rfBox: box.length === 4 && box.every((v) => v !== null) ? (box as [number, number, number, number]) : null,
    coverage: num(header.coverage),
  };
}

export interface BoundaryMeta {
  extent: number;
  resolution: number | null;
  loss: string | null;
  /** Hidden node -> its number of units (the maps hold at most 64). */
  hidden: Record<string, number>;
}

export function boundaryMeta(header: FrameHeader): BoundaryMeta {
  const hidden: Record<string, number> = {};
  const raw = header.hidden;
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    for (const [node, units] of Object.entries(raw as Record<string, unknown>)) {
      const n = num(units);
      if (n !== null) hidden[node] = n;
    }
  }
  return {
    extent: num(header.extent) ?? 6,
    resolution: num(header.resolution),
    loss: typeof header.loss === "string" ? header.loss : null,
    hidden,
  };
}

export interface SegmentationMeta {
  /** Per-class IoU over the set (null: a class in neither the true nor the predicted masks). */
  iou: (number | null)[];
  meanIou: number | null;
  /** The side of the scenes labelled (the test scenes', or the larger ones made of them). */
  imageSize: number | null;
}

export function segmentationMeta(header: FrameHeader): SegmentationMeta {
  const size = num(header.image_size);
  return { iou: nums(header.iou), meanIou: num(header.mean_iou), imageSize: size !== null && size > 0 ? size : null };
}

/**
 * "the first 4 test scenes", or for scenes of test scenes side by side (wider than `testSide`,
 * the side the network trained on) "4 scenes of 96×96, each 3×3 test scenes side by side".
 */
export function scenesCaption(k: number, h: number, w: number, testSide: number | null): string {
  if (testSide === null || testSide <= 0 || w <= testSide) return `the first ${k} test scenes; IoU over the test set`;
  const tiles = Math.round(w / testSide);
  return `${k} scenes of ${h}×${w}, each ${tiles}×${tiles} test scenes side by side; IoU over the larger scenes`;
}

/** The segmentation probe's scenes: images [k, c, h, w], true and predicted label maps [k, h, w]. */
export interface Scenes {
  images: Float32Array;
  truth: Float32Array;
  pred: Float32Array;
  k: number;
  c: number;
  h: number;
  w: number;
}

/** The scenes of a segmentation frame, as many as all three arrays hold; null when they do not fit together. */
export function scenesOf(arrays: ProbeFrame["arrays"]): Scenes | null {
  const { images, pred, true: truth } = arrays;
  if (!images || !pred || !truth || images.shape.length !== 4 || pred.shape.length !== 3 || truth.shape.length !== 3) return null;
  const [n = 0, c = 0, h = 0, w = 0] = images.shape;
  const fits = (shape: number[]): boolean => shape[1] === h && shape[2] === w;
  if (!fits(pred.shape) || !fits(truth.shape) || c === 0 || h === 0 || w === 0) return null;
  const k = Math.min(n, pred.shape[0] ?? 0, truth.shape[0] ?? 0);
  if (k === 0) return null;
  return { images: floats(images), truth: floats(truth), pred: floats(pred), k, c, h, w };
}

export interface MatrixMeta {
  rows: number;
  cols: number;
  nonzero: number | null;
  /** Share of the entries that are not zero. */
  density: number | null;
  /** The input [C, H, W] the matrix is drawn for. */
  inputShape: number[];
}

export function matrixMeta(header: FrameHeader): MatrixMeta {
  const rows = num(header.rows) ?? 0;
  const cols = num(header.cols) ?? 0;
  const nonzero = num(header.nonzero);
  const density = num(header.density) ?? (nonzero !== null && rows * cols > 0 ? nonzero / (rows * cols) : null);
  return { rows, cols, nonzero, density, inputShape: nums(header.input_shape).filter((v): v is number => v !== null) };
}

/** "9.2%", "25%", "0.35%": two figures below 10%, whole percents above (so a sparse matrix's share still reads). */
export function sharePercent(share: number): string {
  const v = share * 100;
  return `${v === 0 || v >= 10 ? Math.round(v) : Number(v.toPrecision(2))}%`;
}

/** "72 × 36 matrix, 25% non-zero, on a 2×6×6 input" */
export function matrixCaption(meta: MatrixMeta): string {
  const parts = [`${meta.rows} × ${meta.cols} matrix`];
  if (meta.density !== null) parts.push(`${sharePercent(meta.density)} non-zero`);
  const input = meta.inputShape.length > 0 ? `, on a ${meta.inputShape.join("×")} input` : "";
  return parts.join(", ") + input;
}

export interface ShiftMeta {
  /** How far the input moved right (wrapping), in input pixels. */
  pixels: number | null;
  /** How far the maps should have moved, in output pixels (the nearest whole one when the stride does not divide the shift). */
  outputShift: number | null;
  /** Whether the node's stride divides the shift (else no map can follow it exactly). */
  wholeShift: boolean;
  /** max |F(shifted x) - shift(F(x))| / max |F(x)|. */
  equivarianceError: number | null;
  /** ||F(shifted x) - F(x)|| / ||F(x)||. */
  change: number | null;
  /** The node's channels (the frame holds the first few). */
  channels: number | null;
}

export function shiftMeta(header: FrameHeader): ShiftMeta {
  return {
    pixels: num(header.pixels),
    outputShift: num(header.output_shift),
    wholeShift: header.whole_shift !== false,
    equivarianceError: num(header.equivariance_error),
    change: num(header.change),
    channels: num(header.channels),
  };
}

/** The shift test's images: input and shifted input [c, h, w], the node's maps before and after [k, mh, mw]. */
export interface ShiftImages {
  input: Float32Array;
  shifted: Float32Array;
  before: Float32Array;
  after: Float32Array;
  c: number;
  h: number;
  w: number;
  k: number;
  mh: number;
  mw: number;
}

/** The shift frame's arrays, when the two inputs and the two maps each agree in shape; else null. */
export function shiftImagesOf(arrays: ProbeFrame["arrays"]): ShiftImages | null {
  const { input, shifted_input: shifted, before, after } = arrays;
  if (!input || !shifted || !before || !after) return null;
  const same = (a: number[], b: number[]): boolean => a.length === 3 && b.length === 3 && a.every((v, i) => v === b[i] && v > 0);
  if (!same(input.shape, shifted.shape) || !same(before.shape, after.shape)) return null;
  const [c = 0, h = 0, w = 0] = input.shape;
  const [k = 0, mh = 0, mw = 0] = before.shape;
  return { input: floats(input), shifted: floats(shifted), before: floats(before), after: floats(after), c, h, w, k, mh, mw };
}

/** Below this relative error the maps moved exactly (float rounding is ~1e-7). */
export const EXACT_SHIFT = 1e-4;

/** "2e-7", "0.31", "0": an error to the figures that tell exact from not. */
export function errorText(v: number): string {
  if (v === 0) return "0";
  return Math.abs(v) < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(2)));
}

/**
 * "Input moved 1 px → maps moved 1 px: exact (error 2e-7); output changed by 24%", or, when the
 * maps did not follow, what they should have done and "not a shift (error 0.31)". `fraction`: the
 * output pixels the shift is worth (pixels · W'/W), said when the stride does not divide it.
 */
export function shiftCaption(meta: ShiftMeta, fraction: number | null = null): string {
  const { pixels, outputShift, equivarianceError: error, change } = meta;
  const parts: string[] = [];
  if (pixels !== null && outputShift !== null && error !== null) {
    const exact = error < EXACT_SHIFT;
    const moved = meta.wholeShift
      ? `${exact ? "maps moved" : "maps should move"} ${outputShift} px`
      : `maps should move ${fraction !== null ? Number(fraction.toPrecision(2)) : "a part of a"} px, not a whole pixel`;
    parts.push(`Input moved ${pixels} px → ${moved}: ${exact ? "exact" : "not a shift"} (error ${errorText(error)})`);
  }
  if (change !== null) parts.push(`output changed by ${sharePercent(change)}`);
  return parts.join("; ");
}

/** The power law c(d) = a·d^-b fitted to the correlation on log-log axes, and its R². */
export interface PowerFit {
  a: number;
  b: number;
  r2: number;
}

export interface CorrelationMeta {
  /** Distances in pixels, ascending, each with its correlation. */
  distances: number[];
  correlation: number[];
  images: number | null;
  fit: PowerFit | null;
}

export function correlationMeta(header: FrameHeader): CorrelationMeta {
  const d = nums(header.distances);
  const c = nums(header.correlation);
  const distances: number[] = [];
  const correlation: number[] = [];
  // Only the pairs both of whose values came through.
  for (let i = 0; i < Math.min(d.length, c.length); i++) {
    const x = d[i];
    const y = c[i];
    if (x === null || x === undefined || y === null || y === undefined) continue;
    distances.push(x);
    correlation.push(y);
  }
  const raw = header.fit;
  let fit: PowerFit | null = null;
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    const { a, b, r2 } = raw as Record<string, unknown>;
    const [fa, fb, fr] = [num(a), num(b), num(r2)];
    if (fa !== null && fb !== null && fr !== null) fit = { a: fa, b: fb, r2: fr };
  }
  return { distances, correlation, images: num(header.images), fit };
}

/** The fitted power law at distance d. */
export function powerLaw(fit: PowerFit, d: number): number {
  return fit.a * Math.pow(d, -fit.b);
}

/** "neighbours 0.88, 14 px apart 0.02; fit c ≈ 2.3·d^-1.38 (R² 0.76)" */
export function correlationCaption(meta: CorrelationMeta): string {
  const { distances, correlation, fit } = meta;
  const parts: string[] = [];
  const n = distances.length;
  if (n > 0) {
    const first = `${distances[0] === 1 ? "neighbours" : `${distances[0]} px apart`} ${(correlation[0] as number).toFixed(2)}`;
    parts.push(n > 1 ? `${first}, ${distances[n - 1]} px apart ${(correlation[n - 1] as number).toFixed(2)}` : first);
  }
  if (fit) parts.push(`fit c ≈ ${Number(fit.a.toPrecision(2))}·d^${(-fit.b).toFixed(2)} (R² ${fit.r2.toFixed(2)})`);
  else if (n > 0) parts.push("no power-law fit");
  return parts.join("; ");
}

/** The label of an activations frame's `dead_fraction`: dead for a ReLU; a leaky one's units only sleep. */
export function deadLabel(type: string | null): { label: string; title: string } {
  if (type === "leaky_relu" || type === "prelu") {
    return {
      label: "switched off",
      title: "units whose input is never positive on the batch: their small negative slope still passes a gradient, so they can wake",
    };
  }
  return { label: "dead units", title: "units never positive on the batch: no gradient reaches them, so they stay off" };
}

// --- normalization ---

/** A grouping's statistics: the mean |mean| of its groups and their mean standard deviation. */
export interface GroupStats {
  mean: number;
  std: number;
}

/** The groupings a normalization frame measures, in the order shown (each a norm layer's own). */
export const NORM_GROUPINGS = ["batch", "layer", "group", "instance"] as const;
export type NormGrouping = (typeof NORM_GROUPINGS)[number];

/** Which grouping each norm layer settles by its own definition. */
export const OWN_GROUPING: Readonly<Record<string, NormGrouping>> = {
  batchnorm: "batch",
  layernorm: "layer",
  groupnorm: "group",
  instancenorm: "instance",
};

export interface NormalizationMeta {
  type: string | null;
  samples: number | null;
  before: Partial<Record<NormGrouping, GroupStats>>;
  after: Partial<Record<NormGrouping, GroupStats>>;
}

function groupStats(raw: unknown): Partial<Record<NormGrouping, GroupStats>> {
  const out: Partial<Record<NormGrouping, GroupStats>> = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return out;
  const table = raw as Record<string, unknown>;
  for (const name of NORM_GROUPINGS) {
    const entry = table[name];
    if (typeof entry !== "object" || entry === null) continue;
    const { mean, std } = entry as Record<string, unknown>;
    const [m, s] = [num(mean), num(std)];
    if (m !== null && s !== null) out[name] = { mean: m, std: s };
  }
  return out;
}

export function normalizationMeta(header: FrameHeader): NormalizationMeta {
  return {
    type: typeof header.type === "string" ? header.type : null,
    samples: num(header.samples),
    before: groupStats(header.before),
    after: groupStats(header.after),
  };
}

/** How close to mean 0 and spread 1 a grouping must come to count as normalized. */
export const SETTLED = 0.05;

export function settled(stats: GroupStats | undefined): boolean {
  return stats !== undefined && Math.abs(stats.mean) < SETTLED && Math.abs(stats.std - 1) < SETTLED;
}

/** A grouping's label in the table; without pixels (no instance grouping) a channel is a feature. */
export function groupingLabel(name: NormGrouping, image: boolean): string {
  switch (name) {
    case "batch":
      return image ? "per channel, over batch and pixels" : "per feature, over the batch";
    case "layer":
      return "per sample";
    case "group":
      return "per sample, per group of channels";
    case "instance":
      return "per sample and channel, over pixels";
  }
}

/** The same groupings in the caption's words. */
function groupingPhrase(name: NormGrouping, image: boolean): string {
  switch (name) {
    case "batch":
      return image ? "per channel, over the batch and the pixels" : "per feature, over the batch";
    case "layer":
      return "per sample, over all its values";
    case "group":
      return "per sample, over each group of channels";
    case "instance":
      return "per sample and channel, over the pixels";
  }
}

const SHORT: Record<NormGrouping, (image: boolean) => string> = {
  batch: (image) => (image ? "per channel" : "per feature"),
  layer: () => "per sample",
  group: () => "per group of channels",
  instance: () => "per sample and channel",
};

export interface NormalizationRow {
  name: NormGrouping;
  label: string;
  before: GroupStats | null;
  after: GroupStats | null;
  settled: boolean;
}

/** One row per grouping the frame has, in NORM_GROUPINGS' order. */
export function normalizationRows(meta: NormalizationMeta): NormalizationRow[] {
  const image = meta.before.instance !== undefined || meta.after.instance !== undefined;
  return NORM_GROUPINGS.filter((name) => meta.before[name] !== undefined || meta.after[name] !== undefined).map((name) => ({
    name,
    label: groupingLabel(name, image),
    before: meta.before[name] ?? null,
    after: meta.after[name] ?? null,
    settled: settled(meta.after[name]),
  }));
}

/** "0.98", "1.0", "12", "3.1e-9": two significant figures, tiny ones (what a settled mean is) in exponent form. */
export function sig2(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3) return v.toExponential(1);
  return a >= 100 ? String(Number(v.toPrecision(2))) : v.toPrecision(2);
}

/**
 * "batchnorm sets mean 0 and spread 1 per channel, over the batch and the pixels", and which
 * other groupings come out settled with it (an instance norm's finer groups settle the coarser ones).
 */
export function normalizationCaption(meta: NormalizationMeta): string {
  const rows = normalizationRows(meta);
  if (rows.length === 0) return "";
  const image = rows.some((r) => r.name === "instance");
  const own = meta.type !== null ? OWN_GROUPING[meta.type] : undefined;
  const layer = meta.type ?? "the layer";
  const ok = rows.filter((r) => r.settled).map((r) => r.name);
  if (ok.length === 0) return `${layer} leaves every grouping unsettled`;
  const first = own !== undefined && ok.includes(own) ? own : (ok[0] as NormGrouping);
  const others = ok.filter((name) => name !== first);
  const also = others.length > 0 ? `; so also ${others.map((name) => SHORT[name](image)).join(", ")}` : "";
  return `${layer} sets mean 0 and spread 1 ${groupingPhrase(first, image)}${also}`;
}
