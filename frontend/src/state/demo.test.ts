import { describe, expect, test } from "vitest";
import type { Preset } from "../api/types";
import { LESSON, OPTIMIZERS, PROBES } from "../testing/fixtures";
import { demoModified, demoOf, demoSetup } from "./demo";
import { DEFAULT_TRAINING, runKey, starterSetup } from "./setup";
import { createPlaygroundStore, setupOf } from "./store";

/** Two demos as GET /api/presets serves them (run bodies without positions). */
const XOR: Preset = {
  name: "xor-hidden",
  title: "XOR with one hidden layer",
  doc: "Eight hidden units are enough to solve XOR.",
  lesson: LESSON,
  run: {
    name: "XOR with one hidden layer",
    network: {
      version: 1,
      nodes: [
        { id: "in", type: "input" },
        { id: "h", type: "linear", params: { out_features: 8 } },
        { id: "a", type: "tanh" },
        { id: "fc", type: "linear", params: { out_features: 2 } },
        { id: "out", type: "output", params: { loss: "cross_entropy" } },
      ],
      edges: [
        { source: "in", target: "h" },
        { source: "h", target: "a" },
        { source: "a", target: "fc" },
        { source: "fc", target: "out" },
      ],
    },
    dataset: { name: "xor", params: { noise: 0.1 } },
    training: { optimizer: "sgd", lr: 0.1, seed: 1 },
  },
};

const LINEAR: Preset = {
  name: "xor-linear",
  title: "XOR without a hidden layer",
  doc: "A linear model cannot separate XOR: accuracy stays near chance.",
  lesson: LESSON,
  run: {
    network: {
      version: 1,
      name: "linear",
      nodes: [
        { id: "in", type: "input" },
        { id: "fc", type: "linear", params: { out_features: 2 } },
        { id: "out", type: "output" },
      ],
      edges: [
        { source: "in", target: "fc" },
        { source: "fc", target: "out" },
      ],
    },
    dataset: { name: "xor", params: {} },
    training: { optimizer: "adam" },
  },
};

const PRESETS = [LINEAR, XOR];

function catalog(presets: Preset[] = PRESETS) {
  return { layers: [], datasets: [], presets, optimizers: OPTIMIZERS, probes: PROBES };
}

describe("demo setups", () => {
  test("a demo's setup is its run body over the current one, named after the demo when the body has no name", () => {
    const setup = demoSetup(XOR, starterSetup());
    expect(setup.network.name).toBe("xor-hidden");
    expect(setup.dataset).toEqual({ name: "xor", params: { noise: 0.1 } });
    expect(setup.training).toEqual({ ...DEFAULT_TRAINING, optimizer: "sgd", lr: 0.1, seed: 1 });
    expect(demoSetup(LINEAR, starterSetup()).network.name).toBe("linear");
  });

  test("moving nodes and live settings keep the demo; network, data, optimizer and seed changes do not", () => {
    const setup = demoSetup(XOR, starterSetup());
    const demo = { name: XOR.name, key: runKey(setup) };
    const moved = {
      ...setup,
      network: { ...setup.network, nodes: setup.network.nodes.map((n, i) => ({ ...n, position: { x: 300 * i, y: 40 } })) },
    };
    expect(demoModified(demo, moved)).toBe(false);
    expect(demoModified(demo, { ...setup, training: { ...setup.training, lr: 0.01, batch_size: 8 } })).toBe(false);

    const wider = structuredClone(setup);
    wider.network.nodes[1] = { id: "h", type: "linear", params: { out_features: 16 } };
    expect(demoModified(demo, wider)).toBe(true);
    expect(demoModified(demo, { ...setup, dataset: { name: "spiral", params: {} } })).toBe(true);
    expect(demoModified(demo, { ...setup, training: { ...setup.training, optimizer: "adam" } })).toBe(true);
    expect(demoModified(demo, { ...setup, training: { ...setup.training, seed: 2 } })).toBe(true);
  });

  test("a setup equal to a demo is recognised; any other is none", () => {
    const setup = demoSetup(XOR, starterSetup());
    expect(demoOf(PRESETS, setup)).toEqual({ name: "xor-hidden", key: runKey(setup) });
    expect(demoOf(PRESETS, starterSetup())).toBeNull();
    // A preset the page cannot read is skipped, not thrown.
    const broken: Preset = { name: "broken", title: "Broken", doc: "", lesson: LESSON, run: { network: { version: 2 } } };
    expect(demoOf([broken, XOR], setup)?.name).toBe("xor-hidden");
  });
});

describe("the store's demo", () => {
  test("marked after loading; changed by an edit, unchanged again by undo; gone when another setup is loaded", () => {
    const store = createPlaygroundStore();
    const act = () => store.getState().actions;
    act().setCatalog(catalog());
    expect(store.getState().demo).toBeNull();

    act().loadSetup(demoSetup(XOR, setupOf(store.getState())));
    act().markDemo(XOR.name);
    const demo = store.getState().demo;
    if (demo === null) throw new Error("no demo marked");
    expect(demo.name).toBe("xor-hidden");
    expect(demoModified(demo, setupOf(store.getState()))).toBe(false);

    act().setParam("h", "out_features", 4);
    expect(demoModified(demo, setupOf(store.getState()))).toBe(true);
    act().undo();
    expect(demoModified(demo, setupOf(store.getState()))).toBe(false);

    act().loadSetup(starterSetup());
    expect(store.getState().demo).toBeNull();
  });

  test("a link to a demo shows as that demo once the presets are known", () => {
    const store = createPlaygroundStore({ setup: demoSetup(XOR, starterSetup()) });
    expect(store.getState().demo).toBeNull();
    store.getState().actions.setCatalog(catalog());
    expect(store.getState().demo?.name).toBe("xor-hidden");
  });
});
