// A dataset's preview (POST /api/datasets/{name}/preview) checked and packed into typed
// arrays: points in the plane for 2-D sets, images (and label maps) otherwise. Pure, so
// that it can be unit-tested; the cache that fetches it is data/previewCache.ts.
import type { DatasetPreviewResponse, DatasetRef } from "../api/types";

/** The plane the 2-D sets live in (and the decision boundary's default extent). */
export const PLANE_EXTENT = 6;
/** Points asked for per split on 2-D sets, images on image sets (the panel shows the first 16). */
export const PREVIEW_POINTS = 500;
export const PREVIEW_IMAGES = 16;

/** One split's points: x[i], y[i] and label[i] (a class, or a value for regression). */
export interface PointSet {
  x: Float32Array;
  y: Float32Array;
  label: Float32Array;
}

export interface PointsPreview {
  kind: "points";
  name: string;
  task: string;
  classNames: string[];
  /** Labels are values, not classes. */
  regression: boolean;
  train: PointSet;
  test: PointSet;
  /** Finite min and max of the labels over both splits (for colouring values). */
  labelRange: [number, number];
}

/** Images of one split, as a grid draws them. */
interface ImageSamples {
  name: string;
  task: string;
  classNames: string[];
  /** [count, c, h, w] flat. */
  images: Float32Array;
  count: number;
  c: number;
  h: number;
  w: number;
  /** A large set drawn again for the preview: images of the same kind, not training's first. */
  sampled: boolean;
}

export interface ImagesPreview extends ImageSamples {
  kind: "images";
  labels: number[];
}

export interface SegmentationPreview extends ImageSamples {
  kind: "segmentation";
  /** [count, h, w] flat: each pixel's class. */
  masks: Float32Array;
}

/** Rows of a table with other than two features (an uploaded CSV): the first rows, as numbers. */
export interface TablePreview {
  kind: "table";
  name: string;
  task: string;
  classNames: string[];
  regression: boolean;
  /** Features per row. */
  width: number;
  rows: number[][];
  /** Each row's class, or its value (regression). */
  labels: number[];
}

export type DatasetPreview = PointsPreview | ImagesPreview | SegmentationPreview | TablePreview;

/** The answer does not have the preview's shape. */
export class PreviewFormatError extends Error {
  constructor(message: string) {
    super(`unexpected preview from the server: ${message}`);
    this.name = "PreviewFormatError";
  }
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** JSON with object keys sorted, so that equal params give equal keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The cache key of a preview request: dataset, params (key order ignored) and count. */
export function previewKey(dataset: DatasetRef, n: number): string {
  return canonical([dataset.name, dataset.params, n]);
}

/** How many samples to ask for: points of a 2-D set, a few images otherwise. */
export function previewCount(inputShape: readonly number[] | null | undefined): number {
  return inputShape?.length === 1 ? PREVIEW_POINTS : PREVIEW_IMAGES;
}

function points(xs: unknown[], ys: unknown[], split: string, regression: boolean): PointSet {
  if (xs.length !== ys.length) throw new PreviewFormatError(`${split}: ${xs.length} points but ${ys.length} labels`);
  const n = xs.length;
  const out: PointSet = { x: new Float32Array(n), y: new Float32Array(n), label: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const p = xs[i];
    if (!Array.isArray(p) || p.length !== 2 || !isNumber(p[0]) || !isNumber(p[1])) {
      throw new PreviewFormatError(`${split}_x[${i}] is not an [x, y] point`);
    }
    out.x[i] = p[0];
    out.y[i] = p[1];
    // Classes come as numbers, regression targets as [v].
    const raw = ys[i];
    const label = Array.isArray(raw) && raw.length === 1 ? (raw[0] as unknown) : raw;
    if (!isNumber(label)) throw new PreviewFormatError(`${split}_y[${i}] is not a ${regression ? "value" : "class"}`);
    out.label[i] = label;
  }
  return out;
}

/** Shape [c, h, w] of a nested image (checking that it is rectangular). */
function imageShape(image: unknown, where: string): [number, number, number] {
  if (!Array.isArray(image) || image.length === 0) throw new PreviewFormatError(`${where} is not a [C, H, W] image`);
  const c = image.length;
  const plane = image[0] as unknown;
  if (!Array.isArray(plane) || plane.length === 0) throw new PreviewFormatError(`${where} is not a [C, H, W] image`);
  const h = plane.length;
  const row = plane[0] as unknown;
  if (!Array.isArray(row) || row.length === 0) throw new PreviewFormatError(`${where} is not a [C, H, W] image`);
  return [c, h, row.length];
}

/** Copy a nested [a][b] (or [a][b][c]) array of numbers into out at offset; false if ragged or not numbers. */
function fill(nested: unknown, dims: readonly number[], out: Float32Array, offset: number): boolean {
  const [d, ...rest] = dims;
  if (d === undefined) return false;
  if (!Array.isArray(nested) || nested.length !== d) return false;
  if (rest.length === 0) {
    for (let i = 0; i < d; i++) {
      const v: unknown = nested[i];
      if (!isNumber(v)) return false;
      out[offset + i] = v;
    }
    return true;
  }
  const stride = rest.reduce((a, b) => a * b, 1);
  for (let i = 0; i < d; i++) if (!fill(nested[i], rest, out, offset + i * stride)) return false;
  return true;
}

/** Check and pack a preview answer; throws PreviewFormatError when it is not one. */
export function parsePreview(body: unknown, limit = Infinity): DatasetPreview {
  if (typeof body !== "object" || body === null) throw new PreviewFormatError("not an object");
  const raw = body as Partial<DatasetPreviewResponse>;
  for (const key of ["train_x", "train_y", "test_x", "test_y"] as const) {
    if (!Array.isArray(raw[key])) throw new PreviewFormatError(`no ${key} list`);
  }
  const name = typeof raw.name === "string" ? raw.name : "";
  const task = typeof raw.task === "string" ? raw.task : "";
  const classNames = Array.isArray(raw.class_names) ? raw.class_names.filter((c): c is string => typeof c === "string") : [];
  const trainX = raw.train_x as unknown[];
  const trainY = raw.train_y as unknown[];
  const shape = Array.isArray(raw.input_shape) ? raw.input_shape : null;
  const planar = shape ? shape.length === 1 : Array.isArray(trainX[0]) && !Array.isArray((trainX[0] as unknown[])[0]);

  const width = shape?.length === 1 ? Number(shape[0]) : Array.isArray(trainX[0]) ? (trainX[0] as unknown[]).length : 2;
  if (planar && width !== 2) return tablePreview(raw, name, task, classNames, width, limit);
  if (planar) {
    const regression = task === "regression";
    const train = points(trainX, trainY, "train", regression);
    const test = points(raw.test_x as unknown[], raw.test_y as unknown[], "test", regression);
    let lo = Infinity;
    let hi = -Infinity;
    for (const set of [train, test]) {
      for (const v of set.label) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return { kind: "points", name, task, classNames, regression, train, test, labelRange: Number.isFinite(lo) ? [lo, hi] : [0, 1] };
  }

  const sampled = raw.sampled === true;
  const count = Math.min(trainX.length, limit);
  if (trainY.length < count) throw new PreviewFormatError(`${trainX.length} images but ${trainY.length} labels`);
  if (count === 0) {
    return { kind: "images", name, task, classNames, images: new Float32Array(0), count: 0, c: 1, h: 0, w: 0, sampled, labels: [] };
  }
  const [c, h, w] = imageShape(trainX[0], "train_x[0]");
  const images = new Float32Array(count * c * h * w);
  for (let i = 0; i < count; i++) {
    if (!fill(trainX[i], [c, h, w], images, i * c * h * w)) throw new PreviewFormatError(`train_x[${i}] is not a ${c} x ${h} x ${w} image`);
  }
  if (task === "segmentation" || Array.isArray(trainY[0])) {
    const masks = new Float32Array(count * h * w);
    for (let i = 0; i < count; i++) {
      if (!fill(trainY[i], [h, w], masks, i * h * w)) throw new PreviewFormatError(`train_y[${i}] is not a ${h} x ${w} label map`);
    }
    return { kind: "segmentation", name, task, classNames, images, count, c, h, w, sampled, masks };
  }
  const labels = trainY.slice(0, count).map((y, i) => {
    if (!isNumber(y)) throw new PreviewFormatError(`train_y[${i}] is not a class`);
    return y;
  });
  return { kind: "images", name, task, classNames, images, count, c, h, w, sampled, labels };
}

/** The train rows of a table preview (at most `limit`), checked to be `width` numbers each. */
function tablePreview(raw: Partial<DatasetPreviewResponse>, name: string, task: string, classNames: string[], width: number, limit: number): TablePreview {
  const xs = raw.train_x as unknown[];
  const ys = raw.train_y as unknown[];
  const count = Math.min(xs.length, limit);
  if (ys.length < count) throw new PreviewFormatError(`${xs.length} rows but ${ys.length} labels`);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const row = xs[i];
    if (!Array.isArray(row) || row.length !== width || !row.every(isNumber)) throw new PreviewFormatError(`train_x[${i}] is not a row of ${width} numbers`);
    const y = ys[i];
    const label = Array.isArray(y) && y.length === 1 ? (y[0] as unknown) : y;
    if (!isNumber(label)) throw new PreviewFormatError(`train_y[${i}] is not a label`);
    rows.push(row);
    labels.push(label);
  }
  return { kind: "table", name, task, classNames, regression: task === "regression", width, rows, labels };
}

/** How many points a preview holds (train, test). */
export function pointCounts(preview: DatasetPreview | null | undefined): { train: number; test: number } {
  if (!preview || preview.kind !== "points") return { train: 0, test: 0 };
  return { train: preview.train.x.length, test: preview.test.x.length };
}

/** How many of a split's points lie in [-extent, extent]^2 (those a drawing of the plane shows). */
export function pointsInPlane(set: PointSet, extent: number): number {
  let n = 0;
  for (let i = 0; i < set.x.length; i++) {
    if (Math.abs(set.x[i] as number) <= extent && Math.abs(set.y[i] as number) <= extent) n++;
  }
  return n;
}
