import { describe, expect, it } from "vitest";
import type { ResultRow } from "../api/types";
import { csvName, resultLines } from "./results";

function row(student: string, run: string, changes: Partial<ResultRow> = {}): ResultRow {
  return {
    student,
    member_id: student.toLowerCase(),
    run_id: run,
    run_name: `run ${run}`,
    status: "completed",
    step: 500,
    changed: [],
    train_loss: 0.1234,
    test_loss: null,
    test_acc: 0.9512,
    best_test_acc: 0.96,
    ...changes,
  };
}

describe("resultLines", () => {
  it("lists the runs by student name, says what changed and formats the metrics", () => {
    const lines = resultLines({
      lesson: "spiral_mlp",
      rows: [row("bo", "r2", { changed: ["training.lr: 0.03 → 0.1", "training.optimizer: sgd → adam"] }), row("Ada", "r1")],
    });
    expect(lines.map((l) => l.student)).toEqual(["Ada", "bo"]);
    expect(lines[0]).toMatchObject({ changed: "no change", trainLoss: "0.123", testLoss: "–", testAcc: "95.1%", bestTestAcc: "96.0%", step: 500 });
    expect(lines[1]?.changed).toBe("training.lr: 0.03 → 0.1; training.optimizer: sgd → adam");
  });

  it("keeps each student's several runs, in a stable order", () => {
    const lines = resultLines({ lesson: null, rows: [row("Ada", "r9"), row("Ada", "r1")] });
    expect(lines.map((l) => l.key)).toEqual(["r1", "r9"]);
  });

  it("writes tiny losses in exponent form", () => {
    expect(resultLines({ lesson: null, rows: [row("Ada", "r", { train_loss: 0.00001234 })] })[0]?.trainLoss).toBe("1.23e-5");
  });
});

describe("csvName", () => {
  it("names the file after the lesson, else the class", () => {
    expect(csvName("spiral_mlp", "ABC123")).toBe("spiral_mlp-results.csv");
    expect(csvName(null, "ABC123")).toBe("class-ABC123-results.csv");
    expect(csvName("a b/c", "X")).toBe("a-b-c-results.csv");
  });
});
