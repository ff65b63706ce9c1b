import { describe, expect, test } from "vitest";
import type { OptimizerInfo } from "../api/types";
import { defaultParams, defaultSettings, RACERS, raceRequest, takes } from "./racers";

const FUNCTIONS = ["quadratic", "rosenbrock", "beale", "saddle", "himmelblau", "booth"];

// The registry as GET /api/optimizers serves it (only the keys raceRequest reads).
const schema = (...fields: string[]) => ({ type: "object", properties: Object.fromEntries(fields.map((f) => [f, { type: "number" }])) });
const OPTIMIZERS = [
  { name: "sgd", params_schema: schema("lr", "momentum", "nesterov", "weight_decay") },
  { name: "rmsprop", params_schema: schema("lr", "momentum", "alpha", "eps", "weight_decay") },
  { name: "adam", params_schema: schema("lr", "beta1", "beta2", "eps", "weight_decay") },
  { name: "adamw", params_schema: schema("lr", "beta1", "beta2", "eps", "weight_decay") },
] as unknown as OptimizerInfo[];

describe("racers", () => {
  test("six racers, each in its own colour", () => {
    expect(RACERS.map((r) => r.key)).toEqual(["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"]);
    expect(new Set(RACERS.map((r) => r.colour)).size).toBe(6);
  });

  test("every function has a learning rate for every racer, and momentum only where it is the lesson", () => {
    for (const fn of FUNCTIONS) {
      const settings = defaultSettings(fn);
      expect(settings).toHaveLength(6);
      for (const s of settings) expect(s.lr).toBeGreaterThan(0);
      expect(settings.map((s) => s.momentum)).toEqual([null, 0.9, 0.9, null, null, null]);
    }
    // On the ill-conditioned bowl plain SGD and momentum share a rate: the difference is momentum's.
    const [sgd, momentum] = defaultSettings("quadratic");
    expect(sgd?.lr).toBe(momentum?.lr);
  });

  test("an unknown function gets small steps", () => {
    expect(defaultSettings("new-one").every((s) => s.lr === 0.001)).toBe(true);
  });

  test("params default from their schema", () => {
    expect(defaultParams({ properties: { condition: { type: "number", default: 10 } } })).toEqual({ condition: 10 });
    expect(defaultParams({ type: "object" })).toEqual({});
  });
});

describe("raceRequest", () => {
  const input = { fn: "quadratic", params: { condition: 50, note: "x" }, start: [1, -1] as [number, number], steps: 300, settings: defaultSettings("quadratic") };

  test("sends each racer only what its optimizer takes", () => {
    const body = raceRequest(input, OPTIMIZERS);
    expect(body).toMatchObject({ function: "quadratic", params: { condition: 50 }, start: [1, -1], steps: 300 });
    expect(body.params).not.toHaveProperty("note");
    expect(body.optimizers).toEqual([
      { name: "sgd", label: "SGD", lr: 0.02 },
      { name: "sgd", label: "Momentum", lr: 0.02, momentum: 0.9 },
      { name: "sgd", label: "Nesterov", lr: 0.02, momentum: 0.9, nesterov: true },
      { name: "rmsprop", label: "RMSProp", lr: 0.01 },
      { name: "adam", label: "Adam", lr: 0.05 },
      { name: "adamw", label: "AdamW", lr: 0.05, weight_decay: 0.01 },
    ]);
  });

  test("a changed learning rate or momentum goes to its racer only", () => {
    const settings = input.settings.map((s, i) => (i === 1 ? { lr: 0.005, momentum: 0.5 } : s));
    const body = raceRequest({ ...input, settings }, OPTIMIZERS);
    expect(body.optimizers[1]).toEqual({ name: "sgd", label: "Momentum", lr: 0.005, momentum: 0.5 });
    expect(body.optimizers[0]).toEqual({ name: "sgd", label: "SGD", lr: 0.02 });
  });

  test("a hyperparameter the registry says an optimizer does not take is left out", () => {
    const noDecay = OPTIMIZERS.map((o) => (o.name === "adamw" ? { ...o, params_schema: schema("lr") } : o));
    expect(raceRequest(input, noDecay).optimizers[5]).toEqual({ name: "adamw", label: "AdamW", lr: 0.05 });
    expect(takes([], "adamw", "weight_decay")).toBe(true);
    expect(takes(OPTIMIZERS, "adam", "momentum")).toBe(false);
  });
});
