import { expect, test } from "vitest";
import { MetricsLog, type MetricsEvent } from "./metrics";

test("appends rows in step order, drops repeats, tells listeners", () => {
  const log = new MetricsLog();
  const events: MetricsEvent[] = [];
  const off = log.subscribe((e) => events.push(e));
  log.append([{ step: 1 }, { step: 2 }]);
  log.append([{ step: 2 }, { step: 3 }]);
  log.append([{ step: 1 }]);
  expect(log.all.map((r) => r.step)).toEqual([1, 2, 3]);
  expect(events).toEqual([
    { kind: "append", rows: [{ step: 1 }, { step: 2 }] },
    { kind: "append", rows: [{ step: 3 }] },
  ]);
  log.clear();
  expect(log.size).toBe(0);
  expect(log.lastStep).toBe(-1);
  off();
  log.append([{ step: 9 }]);
  expect(events).toHaveLength(3);
});

test("stays bounded by thinning the older half", () => {
  const log = new MetricsLog(100);
  for (let i = 0; i < 1000; i++) log.append([{ step: i }]);
  expect(log.size).toBeLessThanOrEqual(100);
  expect(log.all[0]?.step).toBe(0);
  expect(log.lastStep).toBe(999);
  const steps = log.all.map((r) => r.step);
  expect([...steps].sort((a, b) => a - b)).toEqual(steps);
});
