import { describe, expect, test } from "vitest";
import type { ValidationReport } from "../api/types";
import { fieldProblem } from "../forms/training";
import { blockedSentence, playProblems } from "./playBlocked";

const lrBounds = { integer: false, min: { value: 0, exclusive: true }, max: { value: 10, exclusive: false } };

function report(errors: ValidationReport["errors"]): ValidationReport {
  return { valid: errors.length === 0, nodes: {}, total_params: 0, errors, warnings: [] };
}

describe("what blocks Play", () => {
  test("a number field's text out of its bounds, empty or not a number, said with what it reads", () => {
    expect(fieldProblem("learning rate", lrBounds, "50")).toBe("learning rate must be a number above 0 and at most 10 (it reads “50”)");
    expect(fieldProblem("learning rate", lrBounds, " ")).toBe("learning rate must be a number above 0 and at most 10 (it is empty)");
    expect(fieldProblem("learning rate", lrBounds, "fast")).toContain("it reads “fast”");
    expect(fieldProblem("learning rate", lrBounds, "0.5")).toBeNull();
    const batch = { integer: true, min: { value: 1, exclusive: false } };
    expect(fieldProblem("batch size", batch, "2.5")).toBe("batch size must be a whole number at least 1 (it reads “2.5”)");
  });

  test("the fields' problems and the data settings validation refuses; network errors are not Play's", () => {
    const state = {
      fieldProblems: { lr: "learning rate must be a number above 0 and at most 10 (it reads “50”)" },
      validation: report([
        { node: null, field: "dataset.params.noise", message: "noise must be at most 1, got 5" },
        { node: "h1", field: "out_features", message: "must be at least 1" },
        { node: null, field: "network", message: "the network has no output" },
      ]),
    };
    expect(playProblems(state)).toEqual([
      "learning rate must be a number above 0 and at most 10 (it reads “50”)",
      "data setting “noise”: noise must be at most 1, got 5",
    ]);
    expect(playProblems({ fieldProblems: {}, validation: null })).toEqual([]);
  });

  test("the sentence beside the button: blocked while idle, not sent while a run trains", () => {
    expect(blockedSentence([], false)).toBeNull();
    expect(blockedSentence(["a", "b"], false)).toBe("Play is blocked: a; b.");
    expect(blockedSentence(["a"], true)).toBe("Not sent to the run: a.");
  });
});
