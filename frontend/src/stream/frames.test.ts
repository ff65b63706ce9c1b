import { describe, expect, test } from "vitest";
import { decodeFrame, FrameError, halfToFloat, toFloat32, type FrameDtype } from "./frames";

const SIZE: Record<FrameDtype, number> = { float16: 2, float32: 4, uint8: 1 };

/** A frame as the server lays it out; `align` pads the header so the data starts on a multiple of 4. */
function encode(header: Record<string, unknown>, data: ArrayBufferView, align = true): ArrayBuffer {
  let json = JSON.stringify(header);
  if (align) while ((4 + new TextEncoder().encode(json).length) % 4 !== 0) json += " ";
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + head.length + data.byteLength);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 4 + head.length);
  return out.buffer;
}

describe("decodeFrame", () => {
  test("float32, aligned: a view on the same bytes, C order", () => {
    const values = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 2);
    const buffer = encode({ topic: "feature_maps:c1", node: "c1", step: 12, dtype: "float32", shape: [2, 3, 4], vmax: 3.5 }, values);
    const { header, data } = decodeFrame(buffer);
    expect(header).toMatchObject({ topic: "feature_maps:c1", node: "c1", step: 12, dtype: "float32", shape: [2, 3, 4], vmax: 3.5 });
    expect(data).toBeInstanceOf(Float32Array);
    expect(data.buffer).toBe(buffer);
    expect(Array.from(data)).toEqual(Array.from(values));
    // element [1, 2, 3] of a [2, 3, 4] tensor
    expect(data[(1 * 3 + 2) * 4 + 3]).toBe(values[23]);
  });

  test("unaligned data is copied, not misread", () => {
    const values = Float32Array.from([1.5, -2, 3.25]);
    const buffer = encode({ topic: "t", dtype: "float32", shape: [3] }, values, false);
    expect((4 + new DataView(buffer).getUint32(0, true)) % 4).not.toBe(0);
    const { data } = decodeFrame(buffer);
    expect(Array.from(data)).toEqual([1.5, -2, 3.25]);
  });

  test("float16 arrives as bits; halfToFloat reads them", () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0xfc00, 0x0000, 0x8000]);
    const { header, data } = decodeFrame(encode({ topic: "erf:c1", node: null, step: null, dtype: "float16", shape: [8] }, bits));
    expect(header.node).toBeNull();
    expect(header.step).toBeNull();
    expect(data).toBeInstanceOf(Uint16Array);
    const floats = toFloat32(data, "float16");
    expect(floats[0]).toBe(1);
    expect(floats[1]).toBe(-2);
    expect(floats[2]).toBeCloseTo(1 / 3, 3);
    expect(floats[3]).toBeCloseTo(5.96e-8, 10);
    expect(floats[4]).toBe(Number.POSITIVE_INFINITY);
    expect(floats[5]).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(floats[7], -0)).toBe(true);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x7bff)).toBe(65504);
  });

  test("uint8, a scalar, and an empty tensor", () => {
    expect(Array.from(decodeFrame(encode({ topic: "u", dtype: "uint8", shape: [2, 2] }, Uint8Array.from([0, 1, 254, 255]))).data)).toEqual([0, 1, 254, 255]);
    expect(Array.from(decodeFrame(encode({ topic: "s", dtype: "float32", shape: [] }, Float32Array.from([7]))).data)).toEqual([7]);
    expect(decodeFrame(encode({ topic: "e", dtype: "float32", shape: [0, 5] }, new Float32Array(0))).data).toHaveLength(0);
  });

  test("a multi-byte UTF-8 header", () => {
    const { header } = decodeFrame(encode({ topic: "predictions", dtype: "uint8", shape: [1], labels: ["é", "日本"] }, Uint8Array.from([3])));
    expect(header.labels).toEqual(["é", "日本"]);
  });

  test.each([
    ["too short", new ArrayBuffer(2), /length prefix/],
    ["header past the end", (() => { const b = new ArrayBuffer(8); new DataView(b).setUint32(0, 100, true); return b; })(), /shorter than its header/],
    ["wrong data length", encode({ topic: "t", dtype: "float32", shape: [4] }, Float32Array.from([1, 2, 3])), /data bytes/],
    ["unknown dtype", encode({ topic: "t", dtype: "int64", shape: [1] }, new Uint8Array(8)), /dtype/],
    ["no topic", encode({ dtype: "uint8", shape: [1] }, new Uint8Array(1)), /topic/],
    ["bad shape", encode({ topic: "t", dtype: "uint8", shape: [-1] }, new Uint8Array(0)), /shape/],
    ["not JSON", (() => { const b = new Uint8Array([3, 0, 0, 0, 97, 98, 99]); return b.buffer; })(), /not UTF-8 JSON/],
    ["not an object", (() => { const b = new Uint8Array([2, 0, 0, 0, 91, 93]); return b.buffer; })(), /not a JSON object/],
  ])("refuses a frame: %s", (_, buffer, message) => {
    expect(() => decodeFrame(buffer)).toThrow(FrameError);
    expect(() => decodeFrame(buffer)).toThrow(message);
  });

  test("every dtype's element size", () => {
    for (const dtype of Object.keys(SIZE) as FrameDtype[]) {
      const bytes = new Uint8Array(3 * SIZE[dtype]);
      expect(decodeFrame(encode({ topic: "t", dtype, shape: [3] }, bytes)).data).toHaveLength(3);
    }
  });
});
