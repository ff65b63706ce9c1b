import { describe, expect, test } from "vitest";
import { ApiError } from "../api/client";
import { runSummary } from "../testing/fixtures";
import { allRuns, isRunLimit, oldestIdleRun } from "./runLimit";

describe("making room under the server's run limit", () => {
  test("the limit is a 409 that says so; other refusals are not", () => {
    expect(isRunLimit(new ApiError(409, "the server's limit of 32 active runs is reached; stop or delete a run first"))).toBe(true);
    expect(isRunLimit(new ApiError(409, "cannot resume a stopped run"))).toBe(false);
    expect(isRunLimit(new ApiError(422, "at most 1000000 steps per run (the limit)"))).toBe(false);
    expect(isRunLimit(new Error("limit"))).toBe(false);
  });

  test("the oldest active run by created_at, never the page's own, never an ended one", () => {
    const runs = [
      runSummary("a", "running", "2024-03-01T10:00:00Z"),
      runSummary("own", "paused", "2024-01-01T00:00:00Z"),
      runSummary("b", "queued", "2024-02-01T09:30:00+01:00"),
      runSummary("c", "paused", "2024-02-01T09:00:00Z"),
      runSummary("done", "completed", "2023-01-01T00:00:00Z"),
      runSummary("new", "created", "2023-06-01T00:00:00Z"),
    ];
    // b is 08:30 UTC: older than c.
    expect(oldestIdleRun(runs, "own")?.id).toBe("b");
    expect(oldestIdleRun(runs, null)?.id).toBe("own");
    expect(oldestIdleRun(runs.filter((r) => r.id === "own" || r.id === "done"), "own")).toBeNull();
    expect(oldestIdleRun([], null)).toBeNull();
  });

  test("every run is read, page after page", async () => {
    const runs = Array.from({ length: 2500 }, (_, i) => runSummary(`r${i}`, "stopped", "2024-01-01T00:00:00Z"));
    const asked: number[] = [];
    const listRuns = (limit: number, offset: number) => {
      asked.push(offset);
      return Promise.resolve({ runs: runs.slice(offset, offset + limit), total: runs.length });
    };
    expect(await allRuns({ listRuns })).toHaveLength(2500);
    expect(asked).toEqual([0, 1000, 2000]);
  });
});
