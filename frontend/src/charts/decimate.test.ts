import { describe, expect, test } from "vitest";
import { Decimator } from "./decimate";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("Decimator", () => {
  test("appends every point while under the cap", () => {
    const d = new Decimator(10);
    expect(d.push([1, 2, 3], [0.1, 0.2, 0.3])).toEqual({ kind: "append", x: [1, 2, 3], y: [0.1, 0.2, 0.3] });
    expect(d.push([], [])).toEqual({ kind: "none" });
    expect(d.points.x).toEqual([1, 2, 3]);
  });

  test("halves past the cap, then takes every 2nd, 4th... point, evenly spaced", () => {
    const d = new Decimator(10);
    const first = d.push(range(0, 11), range(0, 11));
    expect(first.kind).toBe("rebuild");
    expect(d.points.x).toEqual([0, 2, 4, 6, 8, 10]);
    expect(d.every).toBe(2);
    expect(d.push([11], [11])).toEqual({ kind: "none" });
    expect(d.push([12], [12])).toEqual({ kind: "append", x: [12], y: [12] });
    d.push(range(13, 23), range(13, 23));
    const xs = [...d.points.x];
    const gaps = new Set(xs.slice(1).map((x, i) => x - (xs[i] as number)));
    expect([...gaps].every((g) => g === d.every || g === d.every / 2)).toBe(true);
  });

  test("stays bounded for a long run and keeps its ends", () => {
    const d = new Decimator(1500);
    let rebuilds = 0;
    for (let start = 0; start < 100_000; start += 10) {
      const update = d.push(range(start, start + 10), range(start, start + 10));
      if (update.kind === "rebuild") rebuilds++;
    }
    expect(d.points.x.length).toBeLessThanOrEqual(1500);
    expect(d.points.x.length).toBeGreaterThan(700);
    expect(d.points.x[0]).toBe(0);
    expect(99_999 - (d.points.x[d.points.x.length - 1] as number)).toBeLessThan(d.every);
    expect(rebuilds).toBeLessThanOrEqual(Math.ceil(Math.log2(100_000 / 1500)) + 1);
  });

  test("clear starts over", () => {
    const d = new Decimator(4);
    d.push(range(0, 9), range(0, 9));
    d.clear();
    expect(d.points.x).toEqual([]);
    expect(d.every).toBe(1);
    expect(d.push([5], [1])).toEqual({ kind: "append", x: [5], y: [1] });
  });
});
