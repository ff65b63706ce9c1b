import { describe, expect, test } from "vitest";
import type { MetricsRow } from "../api/types";
import { paramsLine, recentTrainLosses, spreadLine, stepSpread } from "./legend";

const row = (step: number, train_loss: number | null): MetricsRow => ({ step, train_loss }) as MetricsRow;

describe("paramsLine", () => {
  test("counts with thousands separators, singular for one", () => {
    expect(paramsLine(627)).toBe("627 parameters");
    expect(paramsLine(33280)).toBe("33,280 parameters");
    expect(paramsLine(1)).toBe("1 parameter");
    expect(paramsLine(0)).toBe("0 parameters");
  });
});

describe("stepSpread", () => {
  test("a straight line's differences are all the same: no spread", () => {
    expect(stepSpread([5, 4, 3, 2, 1])).toBe(0);
  });
  test("alternating by 2 (differences -2, 2, -2): population sd of the differences", () => {
    // Mean -2/3; squared deviations 16/9, 64/9, 16/9; variance 96/27.
    expect(stepSpread([1, -1, 1, -1])).toBeCloseTo(Math.sqrt(96 / 27), 12);
  });
  test("two differences, 1 and 3: sd 1", () => {
    expect(stepSpread([0, 1, 4])).toBe(1);
  });
  test("fewer than three values say nothing", () => {
    expect(stepSpread([])).toBeNull();
    expect(stepSpread([1])).toBeNull();
    expect(stepSpread([1, 2])).toBeNull();
  });
});

describe("recentTrainLosses", () => {
  test("the last n finite train losses, oldest first, skipping rows without one", () => {
    const rows = [row(1, 0.9), row(2, null), row(3, 0.7), row(4, Number.NaN), row(5, 0.5), row(6, 0.4)];
    expect(recentTrainLosses(rows, 3)).toEqual([0.7, 0.5, 0.4]);
    expect(recentTrainLosses(rows, 10)).toEqual([0.9, 0.7, 0.5, 0.4]);
    expect(recentTrainLosses([], 5)).toEqual([]);
  });
  test("50 by default", () => {
    const rows = Array.from({ length: 80 }, (_, i) => row(i, i));
    const last = recentTrainLosses(rows);
    expect(last).toHaveLength(50);
    expect(last[0]).toBe(30);
  });
});

describe("spreadLine", () => {
  test("two significant digits, a placeholder before there is one", () => {
    expect(spreadLine(0.3142)).toBe("step-to-step spread 0.31");
    expect(spreadLine(0.000312)).toBe("step-to-step spread 0.00031");
    expect(spreadLine(0)).toBe("step-to-step spread 0");
    expect(spreadLine(null)).toBe("step-to-step spread …");
  });
});
