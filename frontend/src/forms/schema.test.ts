import { describe, expect, test } from "vitest";
import type { JsonSchema } from "../api/types";
import { fieldsOf, formatValue, parseInput, summarizeParams } from "./schema";

// Shaped like the schemas GET /api/layers serves (pydantic's JSON Schema).
const intOrPair: JsonSchema = {
  anyOf: [
    { type: "integer", minimum: 1, maximum: 64 },
    { type: "array", minItems: 2, maxItems: 2, prefixItems: [{ type: "integer" }, { type: "integer" }] },
  ],
  default: 3,
};
const CONV: JsonSchema = {
  type: "object",
  properties: {
    init: { type: "string", enum: ["default", "kaiming"], default: "default", description: "How weights start." },
    value: { anyOf: [{ type: "number", minimum: -100, maximum: 100 }, { type: "null" }], default: null },
    out_channels: { type: "integer", minimum: 1, maximum: 65536, title: "Out Channels" },
    kernel_size: intOrPair,
    bias: { type: "boolean", default: true },
    shape: { anyOf: [{ type: "array", prefixItems: [{ type: "integer" }] }, { type: "null" }], default: null },
  },
  required: ["out_channels"],
};

describe("fieldsOf", () => {
  test("one field per property, required first, with the right widget", () => {
    const fields = fieldsOf(CONV);
    expect(fields.map((f) => f.key)).toEqual(["out_channels", "init", "value", "kernel_size", "bias", "shape"]);
    const by = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(by.out_channels?.widget).toEqual({ kind: "number", integer: true, min: 1, max: 65536 });
    expect(by.out_channels?.required).toBe(true);
    expect(by.out_channels?.title).toBe("Out Channels");
    expect(by.init?.widget).toEqual({ kind: "enum", options: ["default", "kaiming"] });
    expect(by.init?.description).toBe("How weights start.");
    expect(by.value?.widget).toEqual({ kind: "number", integer: false, min: -100, max: 100 });
    expect(by.value?.nullable).toBe(true);
    expect(by.kernel_size?.widget).toEqual({ kind: "list", integer: true });
    expect(by.kernel_size?.default).toBe(3);
    expect(by.bias?.widget).toEqual({ kind: "boolean" });
    expect(by.shape?.widget.kind).toBe("list");
  });

  test("no schema, no fields", () => {
    expect(fieldsOf(undefined)).toEqual([]);
    expect(fieldsOf({ type: "object", properties: {} })).toEqual([]);
  });
});

describe("parseInput", () => {
  const number = { kind: "number", integer: true } as const;
  const list = { kind: "list", integer: true } as const;

  test("numbers", () => {
    expect(parseInput("16", number)).toBe(16);
    expect(parseInput(" 0.5 ", { kind: "number", integer: false })).toBe(0.5);
    expect(parseInput("", number)).toBeUndefined();
    expect(parseInput("abc", number)).toBe("abc"); // passed on: the server explains
  });

  test("a number or a list", () => {
    expect(parseInput("3", list)).toBe(3);
    expect(parseInput("3, 5", list)).toEqual([3, 5]);
    expect(parseInput("[1, 28, 28]", list)).toEqual([1, 28, 28]);
    expect(parseInput("3x5", list)).toEqual([3, 5]);
    expect(parseInput("3, a", list)).toBe("3, a");
  });

  test("text and booleans", () => {
    expect(parseInput("tanh", { kind: "text" })).toBe("tanh");
    expect(parseInput("true", { kind: "boolean" })).toBe(true);
  });

  test("formatValue is its inverse for what it shows", () => {
    expect(formatValue([3, 5])).toBe("3, 5");
    expect(parseInput(formatValue([3, 5]), list)).toEqual([3, 5]);
    expect(formatValue(null)).toBe("");
    expect(formatValue(undefined)).toBe("");
    expect(formatValue(0.1)).toBe("0.1");
  });
});

test("summarizeParams gives a node's key params", () => {
  expect(summarizeParams({ out_features: 16 })).toBe("16");
  expect(summarizeParams({ out_channels: 8, kernel_size: 3, stride: 2 })).toBe("8 k3 s2");
  expect(summarizeParams({})).toBe("");
});
