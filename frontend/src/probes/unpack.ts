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
