// The TypeScript unpacker against frames made by the server's own packer
// (fixtures/make_fixtures.py writes the .bin files and what Python reads back from them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeFrame, FrameError } from "../stream/frames";
import { boundaryMeta, decodeProbe, erfMeta, floats, formatRate, rateOf, statsOf, unpackProbe } from "./unpack";

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
