import { describe, expect, it } from "vitest";
import type { ClassState, NetworkSpec } from "../api/types";
import { appliedKey, followStep, hiddenOf, locksOf, parseApplied, pushNotice } from "./follow";

function state(changes: Partial<ClassState> = {}): ClassState {
  return { revision: 0, lesson: null, network: null, locks: [], hidden: [], spotlight: null, share_grid: false, pushed: 0, reset: 0, ...changes };
}

const spec: NetworkSpec = { version: 1, name: "mine", nodes: [{ id: "in", type: "input", params: {} }], edges: [] };

describe("followStep", () => {
  it("loads nothing when nothing was ever pushed", () => {
    expect(followStep(state(), null)).toEqual({ push: null, reset: false, applied: { pushed: 0, reset: 0 } });
  });

  it("loads the current push on a fresh join, but makes no past reset again", () => {
    const step = followStep(state({ revision: 9, lesson: "spiral_mlp", pushed: 4, reset: 7 }), null);
    expect(step.push).toEqual({ kind: "lesson", name: "spiral_mlp", revision: 4 });
    expect(step.reset).toBe(false);
    expect(step.applied).toEqual({ pushed: 4, reset: 7 });
  });

  it("does not load a push again once applied (a reload keeps the student's edits)", () => {
    const step = followStep(state({ revision: 9, lesson: "spiral_mlp", pushed: 4, reset: 0 }), { pushed: 4, reset: 0 });
    expect(step.push).toBeNull();
    expect(step.reset).toBe(false);
  });

  it("loads a newer push, a lesson or a network", () => {
    expect(followStep(state({ lesson: "a", pushed: 6 }), { pushed: 4, reset: 0 }).push).toEqual({ kind: "lesson", name: "a", revision: 6 });
    const push = followStep(state({ network: spec, pushed: 8 }), { pushed: 6, reset: 0 }).push;
    expect(push?.kind).toBe("network");
    expect(push?.kind === "network" && push.spec.name).toBe("mine");
  });

  it("resets the run once when the reset revision grows", () => {
    const first = followStep(state({ reset: 5 }), { pushed: 0, reset: 2 });
    expect(first.reset).toBe(true);
    expect(followStep(state({ reset: 5 }), first.applied).reset).toBe(false);
  });

  it("moves past a push that holds nothing to load, and never goes back", () => {
    const step = followStep(state({ pushed: 3 }), { pushed: 1, reset: 0 });
    expect(step.push).toBeNull();
    expect(step.applied.pushed).toBe(3);
    expect(followStep(state({ pushed: 2, reset: 0 }), { pushed: 3, reset: 4 }).applied).toEqual({ pushed: 3, reset: 4 });
  });
});

describe("parseApplied", () => {
  it("reads back what was written, and nothing else", () => {
    expect(parseApplied(JSON.stringify({ pushed: 3, reset: 1 }))).toEqual({ pushed: 3, reset: 1 });
    expect(parseApplied(null)).toBeNull();
    expect(parseApplied("{")).toBeNull();
    expect(parseApplied('{"pushed": "3", "reset": 1}')).toBeNull();
    expect(parseApplied("null")).toBeNull();
  });

  it("keys by class", () => {
    expect(appliedKey("c1")).not.toBe(appliedKey("c2"));
  });
});

describe("locksOf and hiddenOf", () => {
  const s = state({ locks: ["palette", "dataset"], hidden: ["gradients"] });
  it("apply to a student's page only", () => {
    expect([...locksOf({ role: "student" }, s)]).toEqual(["palette", "dataset"]);
    expect(locksOf({ role: "teacher" }, s).size).toBe(0);
    expect(locksOf(null, s).size).toBe(0);
    expect(locksOf({ role: "student" }, null).size).toBe(0);
    expect(hiddenOf({ role: "student" }, s).has("gradients")).toBe(true);
    expect(hiddenOf({ role: "teacher" }, s).size).toBe(0);
  });
});

describe("pushNotice", () => {
  it("names what was pushed", () => {
    expect(pushNotice({ kind: "lesson", name: "x", revision: 1 }, "Spiral")).toBe("Your teacher pushed the lesson “Spiral”.");
    expect(pushNotice({ kind: "network", spec, revision: 1 }, null)).toContain("Your teacher pushed a network");
  });
});
