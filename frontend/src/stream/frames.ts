// Decoder of the stream's binary tensor frames (layout in docs/frames.md):
// u32 little-endian header length N, N bytes of UTF-8 JSON header, then the raw array.

export type FrameDtype = "float16" | "float32" | "uint8";

export interface FrameHeader {
  topic: string;
  node: string | null;
  step: number | null;
  dtype: FrameDtype;
  shape: number[];
  [extra: string]: unknown;
}

/** float16 data is kept as its raw bits (Uint16Array); see halfToFloat. */
export type FrameData = Float32Array | Uint16Array | Uint8Array;

export interface Frame {
  header: FrameHeader;
  data: FrameData;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

const SIZES: Record<FrameDtype, number> = { float16: 2, float32: 4, uint8: 1 };

function isDtype(value: unknown): value is FrameDtype {
  return value === "float16" || value === "float32" || value === "uint8";
}

function parseHeader(bytes: Uint8Array): FrameHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new FrameError("the frame header is not UTF-8 JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new FrameError("the frame header is not a JSON object");
  }
  const header = raw as Record<string, unknown>;
  if (typeof header.topic !== "string") throw new FrameError("the frame header has no topic");
  if (!isDtype(header.dtype)) throw new FrameError(`unknown dtype ${JSON.stringify(header.dtype)}`);
  const shape = header.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new FrameError("the frame header's shape is not a list of sizes");
  }
  return {
    ...header,
    topic: header.topic,
    dtype: header.dtype,
    shape: shape as number[],
    node: typeof header.node === "string" ? header.node : null,
    step: typeof header.step === "number" ? header.step : null,
  };
}

/** Split one binary frame into its header and a typed view (or copy, when unaligned) of its data. */
export function decodeFrame(buffer: ArrayBuffer): Frame {
  if (buffer.byteLength < 4) throw new FrameError("the frame is shorter than its length prefix");
  const headerLength = new DataView(buffer).getUint32(0, true);
  const offset = 4 + headerLength;
  if (offset > buffer.byteLength) throw new FrameError("the frame is shorter than its header");
  const header = parseHeader(new Uint8Array(buffer, 4, headerLength));
  const count = header.shape.reduce((a, b) => a * b, 1);
  const size = SIZES[header.dtype];
  if (buffer.byteLength - offset !== count * size) {
    throw new FrameError(
      `frame ${header.topic}: ${buffer.byteLength - offset} data bytes for shape [${header.shape.join(", ")}] of ${header.dtype}`,
    );
  }
  const aligned = offset % size === 0;
  const source = aligned ? buffer : buffer.slice(offset);
  const at = aligned ? offset : 0;
  const data: FrameData =
    header.dtype === "float32"
      ? new Float32Array(source, at, count)
      : header.dtype === "float16"
        ? new Uint16Array(source, at, count)
        : new Uint8Array(source, at, count);
  return { header, data };
}

/** The number a float16 bit pattern stands for. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A frame's data as plain numbers (float16 expanded). */
export function toFloat32(data: FrameData, dtype: FrameDtype): Float32Array {
  if (dtype === "float16") return Float32Array.from(data as Uint16Array, halfToFloat);
  if (data instanceof Float32Array) return data;
  return Float32Array.from(data);
}
