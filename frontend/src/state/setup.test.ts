import { describe, expect, test } from "vitest";
import openapi from "../api/generated/openapi.json";
import { OPTIMIZERS } from "../testing/fixtures";
import { decodeSetupHash, encodeSetupHash } from "./hash";
import { DEFAULT_TRAINING, normalizeTraining, parseSetup, runKey, starterSetup, type Setup } from "./setup";

const setup: Setup = {
  network: {
    version: 1,
    name: "réseau ✓",
    nodes: [
      { id: "in", type: "input", position: { x: 0, y: 5 } },
      { id: "fc", type: "linear", params: { out_features: 2, init: "xavier" }, position: { x: 180, y: 5 } },
      { id: "out", type: "output", params: { loss: "cross_entropy" }, position: { x: 360, y: 5 } },
    ],
    edges: [
      { source: "in", target: "fc", id: "a" },
      { source: "fc", target: "out", id: "b" },
    ],
  },
  dataset: { name: "moons", params: { noise: 0.2, n_samples: 300 } },
  training: { ...DEFAULT_TRAINING, optimizer: "sgd", lr: 0.05, momentum: 0.9, nesterov: true, batch_size: 16 },
};

describe("URL hash", () => {
  test("round trip, including non-ASCII", () => {
    const hash = encodeSetupHash(setup);
    expect(hash).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    expect(decodeSetupHash(hash, starterSetup())).toEqual(setup);
    expect(decodeSetupHash(hash.slice(1), starterSetup())).toEqual(setup);
  });

  test("no setup in the hash", () => {
    expect(decodeSetupHash("", starterSetup())).toBeNull();
    expect(decodeSetupHash("#section", starterSetup())).toBeNull();
  });

  test("a damaged hash says so", () => {
    expect(() => decodeSetupHash("#s=%%%", starterSetup())).toThrow(/damaged/);
    expect(() => decodeSetupHash(`#s=${btoa('{"v":1}')}`, starterSetup())).toThrow(/network/);
  });
});

describe("parseSetup", () => {
  test("a run body or preset run", () => {
    const parsed = parseSetup({ name: "x", network: setup.network, dataset: setup.dataset, training: { lr: 0.3 } }, starterSetup());
    expect(parsed.network).toEqual(setup.network);
    expect(parsed.dataset).toEqual(setup.dataset);
    expect(parsed.training).toEqual({ ...DEFAULT_TRAINING, lr: 0.3 });
  });

  test("a bare spec keeps the current dataset and training", () => {
    const fallback = starterSetup();
    const parsed = parseSetup(setup.network, fallback);
    expect(parsed.network).toEqual(setup.network);
    expect(parsed.dataset).toBe(fallback.dataset);
    expect(parsed.training).toBe(fallback.training);
  });

  test("refuses what is neither", () => {
    expect(() => parseSetup([1], starterSetup())).toThrow();
    expect(() => parseSetup({ dataset: {} }, starterSetup())).toThrow(/network/);
  });

  test("normalizeTraining keeps known, well-typed fields; the optimizer is checked against the registry", () => {
    const raw = { optimizer: "lion", lr: "fast", batch_size: 8, nesterov: 1, beta2: 0.99, extra: 3, "bad key": 1 };
    expect(normalizeTraining(raw, OPTIMIZERS)).toEqual({ ...DEFAULT_TRAINING, batch_size: 8, beta2: 0.99 });
    expect(normalizeTraining({ optimizer: "rmsprop", alpha: 0.9 }, OPTIMIZERS)).toEqual({ ...DEFAULT_TRAINING, optimizer: "rmsprop", alpha: 0.9 });
    expect(normalizeTraining(null)).toEqual(DEFAULT_TRAINING);
  });

  test("before the registry is known, any optimizer and what may be its hyperparameters are kept", () => {
    const raw = { optimizer: "lion", lr: "fast", batch_size: 8, nesterov: 1, extra: 3, "bad key": 1, name: "x" };
    expect(normalizeTraining(raw)).toEqual({ ...DEFAULT_TRAINING, optimizer: "lion", batch_size: 8, extra: 3 });
  });

  test("an optimizer added on the server, with a hyperparameter of its own", () => {
    const lion = { name: "lion", doc: "", live: ["lr", "beta3"], params_schema: { type: "object", properties: { lr: {}, beta3: { type: "number" } } } };
    expect(normalizeTraining({ optimizer: "lion", beta3: 0.5, beta4: 1 }, [...OPTIMIZERS, lion])).toEqual({
      ...DEFAULT_TRAINING,
      optimizer: "lion",
      beta3: 0.5,
    });
  });

  test("the defaults are the server's (its TrainingConfig in openapi.json)", () => {
    const schema = openapi.components.schemas.TrainingConfig as { properties: Record<string, { default?: unknown }> };
    const defaults = Object.fromEntries(Object.entries(schema.properties).map(([key, prop]) => [key, prop.default]));
    expect(DEFAULT_TRAINING).toEqual(defaults);
  });
});

describe("runKey", () => {
  test("ignores positions, edge ids and live settings", () => {
    const moved: Setup = {
      ...setup,
      network: {
        ...setup.network,
        nodes: setup.network.nodes.map((n) => ({ ...n, position: { x: 1, y: 2 } })),
        edges: setup.network.edges.map((e) => ({ source: e.source, target: e.target })),
      },
      training: { ...setup.training, lr: 0.5, batch_size: 64, momentum: 0.5, max_steps: 9 },
    };
    expect(runKey(moved)).toBe(runKey(setup));
  });

  test("changes with the structure, the dataset, the optimizer or the seed", () => {
    const base = runKey(setup);
    expect(runKey({ ...setup, dataset: { name: "moons", params: { noise: 0.3 } } })).not.toBe(base);
    expect(runKey({ ...setup, training: { ...setup.training, optimizer: "adam" } })).not.toBe(base);
    expect(runKey({ ...setup, training: { ...setup.training, seed: 1 } })).not.toBe(base);
    expect(runKey({ ...setup, network: { ...setup.network, edges: setup.network.edges.slice(1) } })).not.toBe(base);
  });
});
