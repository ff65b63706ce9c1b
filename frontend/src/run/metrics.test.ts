import { expect, test } from "vitest";
import { metricsRow } from "../testing/fixtures";
import { MetricsLog, type MetricsEvent } from "./metrics";

test("appends rows in step order, drops repeats, tells listeners", () => {
  const log = new MetricsLog();
  const events: MetricsEvent[] = [];
  const off = log.subscribe((e) => events.push(e));
  log.append([metricsRow(1), metricsRow(2)]);
  log.append([metricsRow(2), metricsRow(3)]);
  log.append([metricsRow(1)]);
  expect(log.all.map((r) => r.step)).toEqual([1, 2, 3]);
  expect(events).toEqual([
    { kind: "append", rows: [metricsRow(1), metricsRow(2)] },
    { kind: "append", rows: [metricsRow(3)] },
  ]);
  log.clear();
  expect(log.size).toBe(0);
  expect(log.lastStep).toBe(-1);
  off();
  log.append([metricsRow(9)]);
  expect(events).toHaveLength(3);
});

test("stays bounded by thinning the older half", () => {
  const log = new MetricsLog(100);
  for (let i = 0; i < 1000; i++) log.append([metricsRow(i)]);
  expect(log.size).toBeLessThanOrEqual(100);
  expect(log.all[0]?.step).toBe(0);
  expect(log.lastStep).toBe(999);
  const steps = log.all.map((r) => r.step);
  expect([...steps].sort((a, b) => a - b)).toEqual(steps);
});
