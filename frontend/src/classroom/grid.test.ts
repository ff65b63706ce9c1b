import { describe, expect, it } from "vitest";
import type { ClassGridView, GridStudent } from "../api/types";
import { gridRows, nextSort, sortRows, type GridRow } from "./grid";

function student(id: string, name: string, run: Partial<GridStudent> = {}): GridStudent {
  return {
    member_id: id,
    name,
    run_id: null,
    run_name: null,
    status: null,
    step: null,
    max_steps: null,
    test_acc: null,
    best_test_acc: null,
    loss: [],
    runs: 0,
    ...run,
  };
}

describe("gridRows", () => {
  it("gives one row per student with their newest run, in the server's order", () => {
    const view: ClassGridView = {
      revision: 3,
      spotlight: null,
      students: [
        student("a", "Ada", { run_id: "r2", run_name: "run 2", status: "running", step: 20, max_steps: 500, test_acc: 0.5, best_test_acc: 0.6, loss: [1, 0.5], runs: 2 }),
        student("b", "Bo"),
      ],
    };
    const rows = gridRows(view);
    expect(rows.map((r) => r.name)).toEqual(["Ada", "Bo"]);
    expect(rows[0]).toMatchObject({ runId: "r2", runName: "run 2", step: 20, maxSteps: 500, testAcc: 0.5, bestTestAcc: 0.6, status: "running", runs: 2, loss: [1, 0.5] });
    expect(rows[1]).toMatchObject({ runId: null, step: null, status: null, runs: 0, loss: [] });
  });

  it("keeps only numbers of the loss curve", () => {
    const rows = gridRows({ revision: 0, spotlight: null, students: [student("a", "Ada", { run_id: "r", loss: [2, Number.NaN, 1] })] });
    expect(rows[0]?.loss).toEqual([2, 1]);
  });
});

describe("sortRows", () => {
  const row = (name: string, step: number | null, acc: number | null): GridRow => ({
    memberId: name.toLowerCase(),
    name,
    runId: step === null ? null : `run-${name}`,
    runName: null,
    status: step === null ? null : "running",
    step,
    maxSteps: null,
    testAcc: acc,
    bestTestAcc: acc,
    loss: [],
    runs: step === null ? 0 : 1,
  });
  const rows = [row("cy", 10, 0.5), row("Ada", 300, null), row("bo", null, null), row("Dee", 300, 0.9)];

  it("sorts names A to Z, ignoring case, and back", () => {
    expect(sortRows(rows, { key: "name", descending: false }).map((r) => r.name)).toEqual(["Ada", "bo", "cy", "Dee"]);
    expect(sortRows(rows, { key: "name", descending: true }).map((r) => r.name)).toEqual(["Dee", "cy", "bo", "Ada"]);
  });

  it("sorts steps and accuracies either way, with no value last and ties by name", () => {
    expect(sortRows(rows, { key: "step", descending: true }).map((r) => r.name)).toEqual(["Ada", "Dee", "cy", "bo"]);
    expect(sortRows(rows, { key: "step", descending: false }).map((r) => r.name)).toEqual(["cy", "Ada", "Dee", "bo"]);
    expect(sortRows(rows, { key: "accuracy", descending: true }).map((r) => r.name)).toEqual(["Dee", "cy", "Ada", "bo"]);
  });

  it("leaves its input as it was", () => {
    const before = rows.map((r) => r.name);
    sortRows(rows, { key: "step", descending: true });
    expect(rows.map((r) => r.name)).toEqual(before);
  });
});

describe("nextSort", () => {
  it("flips the column sorted by, and starts another at its natural way", () => {
    expect(nextSort({ key: "name", descending: false }, "name")).toEqual({ key: "name", descending: true });
    expect(nextSort({ key: "name", descending: false }, "step")).toEqual({ key: "step", descending: true });
    expect(nextSort({ key: "step", descending: true }, "name")).toEqual({ key: "name", descending: false });
  });
});
