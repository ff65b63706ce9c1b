import { describe, expect, test } from "vitest";
import { csvColumns, isCsv } from "./csvHeader";

describe("csvColumns", () => {
  test("reads the header line's names, unquoting and trimming them", () => {
    expect(csvColumns("a, b ,label\n1,2,x\n")).toEqual(["a", "b", "label"]);
    expect(csvColumns('\uFEFF"x, y","say ""hi""",z\r\n1,2,3')).toEqual(["x, y", 'say "hi"', "z"]);
  });

  test("an empty file has no columns", () => {
    expect(csvColumns("")).toEqual([]);
    expect(csvColumns("\n1,2")).toEqual([]);
  });

  test("a zip is not a CSV", () => {
    expect(isCsv("pictures.ZIP")).toBe(false);
    expect(isCsv("iris.csv")).toBe(true);
  });
});
