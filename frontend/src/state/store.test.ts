import { describe, expect, test } from "vitest";
import type { LayerInfo, NetworkSpec } from "../api/types";
import { OPTIMIZERS, PROBES } from "../testing/fixtures";
import { allErrors, COALESCE_MS, createPlaygroundStore, initialParams, setupOf, specOf } from "./store";
import { DEFAULT_TRAINING, starterSetup, type Setup } from "./setup";

const LINEAR: LayerInfo = {
  type: "linear",
  category: "core",
  doc: "Fully connected.",
  min_inputs: 1,
  max_inputs: 1,
  trainable_by_gradient: true,
  params_schema: {
    type: "object",
    properties: {
      out_features: { type: "integer", minimum: 1 },
      bias: { type: "boolean", default: true },
    },
    required: ["out_features"],
  },
};

const TINY: Setup = {
  network: {
    version: 1,
    nodes: [
      { id: "in", type: "input", position: { x: 0, y: 0 } },
      { id: "h", type: "linear", params: { out_features: 8 }, position: { x: 100, y: 0 } },
      { id: "out", type: "output", position: { x: 200, y: 0 } },
    ],
    edges: [
      { source: "in", target: "h", id: "in->h" },
      { source: "h", target: "out", id: "h->out" },
    ],
  },
  dataset: { name: "xor", params: { noise: 0.1 } },
  training: { ...DEFAULT_TRAINING, lr: 0.05 },
};

function make(setup: Setup = TINY) {
  let clock = 0;
  const store = createPlaygroundStore({ setup, now: () => clock });
  store.getState().actions.setCatalog({ layers: [LINEAR], datasets: [], presets: [], optimizers: OPTIMIZERS, probes: PROBES });
  return {
    store,
    get: () => store.getState(),
    act: () => store.getState().actions,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

const ids = (spec: NetworkSpec) => spec.nodes.map((n) => n.id);

describe("the store", () => {
  test("starts from the starter network by default, which is a chain from input to output", () => {
    const store = createPlaygroundStore();
    const spec = specOf(store.getState());
    expect(spec.nodes[0]?.type).toBe("input");
    expect(spec.nodes[spec.nodes.length - 1]?.type).toBe("output");
    expect(spec.edges).toHaveLength(spec.nodes.length - 1);
    expect(setupOf(store.getState()).dataset).toEqual(starterSetup().dataset);
  });

  test("keeps the setup it was given as the contract's spec, positions included", () => {
    const { get } = make();
    expect(setupOf(get())).toEqual(TINY);
  });

  test("addNode: a fresh id, required params filled, selected alone", () => {
    const { get, act } = make();
    act().select("h");
    const id = act().addNode("linear", { x: 10.4, y: 20.6 });
    expect(id).toBe("linear1");
    const node = get().nodes.find((n) => n.id === id);
    expect(node?.data).toEqual({ layerType: "linear", params: { out_features: 16 } });
    expect(node?.position).toEqual({ x: 10, y: 21 });
    expect(get().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["linear1"]);
    expect(act().addNode("linear", { x: 0, y: 0 })).toBe("linear2");
    expect(act().addNode("relu", { x: 0, y: 0 })).toBe("relu1");
  });

  test("initialParams fills only required params without a default", () => {
    expect(initialParams(LINEAR)).toEqual({ out_features: 16 });
    expect(initialParams(undefined)).toEqual({});
  });

  test("connect refuses what can never be valid and adds the rest", () => {
    const { get, act } = make();
    const r = act().addNode("relu", { x: 0, y: 0 });
    expect(act().connect({ source: "h", target: "in" })).toMatch(/input/);
    expect(act().connect({ source: "out", target: r })).toMatch(/output/);
    expect(act().connect({ source: "h", target: "h" })).toMatch(/itself/);
    expect(act().connect({ source: "in", target: "h" })).toMatch(/already/);
    expect(get().edges).toHaveLength(2);
    expect(act().connect({ source: "h", target: r })).toBeNull();
    expect(act().connect({ source: r, target: "h" })).toMatch(/cycle/);
    expect(get().edges.map((e) => e.id)).toEqual(["in->h", "h->out", `h->${r}`]);
  });

  test("setParam sets and removes; each edit bumps the revision and clears run errors", () => {
    const { get, act } = make();
    act().setRunErrors([{ node: "h", field: "shape", message: "wrong" }]);
    const rev = get().revision;
    act().setParam("h", "bias", false);
    expect(get().nodes[1]?.data.params).toEqual({ out_features: 8, bias: false });
    act().setParam("h", "out_features", undefined);
    expect(get().nodes[1]?.data.params).toEqual({ bias: false });
    expect(get().revision).toBeGreaterThan(rev);
    expect(get().runErrors).toEqual([]);
    const before = get().past.length;
    act().setParam("h", "bias", false); // no change: no history entry
    act().setParam("nope", "bias", true);
    expect(get().past.length).toBe(before);
  });

  test("undo and redo; typing into one field is one step", () => {
    const { get, act, tick } = make();
    act().setParam("h", "out_features", 1);
    tick(100);
    act().setParam("h", "out_features", 12);
    tick(100);
    act().setParam("h", "out_features", 128);
    tick(COALESCE_MS + 1);
    act().setParam("h", "out_features", 64);
    expect(get().past).toHaveLength(2);
    act().undo();
    expect(get().nodes[1]?.data.params.out_features).toBe(128);
    act().undo();
    expect(get().nodes[1]?.data.params.out_features).toBe(8);
    act().undo(); // nothing more to undo
    expect(get().nodes[1]?.data.params.out_features).toBe(8);
    act().redo();
    act().redo();
    expect(get().nodes[1]?.data.params.out_features).toBe(64);
    act().undo();
    act().addNode("linear", { x: 0, y: 0 }); // a new edit forgets the redo stack
    expect(get().future).toEqual([]);
  });

  test("deleteSelection removes selected nodes, their edges and selected edges in one step", () => {
    const { get, act } = make();
    act().select("h");
    act().deleteSelection();
    expect(ids(specOf(get()))).toEqual(["in", "out"]);
    // h had one input and one output: they stay joined.
    expect(get().edges.map((e) => [e.source, e.target])).toEqual([["in", "out"]]);
    act().undo();
    expect(ids(specOf(get()))).toEqual(["in", "h", "out"]);
    expect(get().edges).toHaveLength(2);
    act().applyEdgeChanges([{ type: "select", id: "h->out", selected: true }]);
    act().deleteSelection();
    expect(get().edges.map((e) => e.id)).toEqual(["in->h"]);
    act().deleteEdge("in->h");
    act().deleteNode("h");
    expect(ids(specOf(get()))).toEqual(["in", "out"]);
  });

  test("deleting a middle node joins its neighbours; undo and redo restore both ways", () => {
    const { get, act } = make();
    const links = () => get().edges.map((e) => `${e.source}->${e.target}`);
    act().deleteNode("h");
    expect(ids(specOf(get()))).toEqual(["in", "out"]);
    expect(links()).toEqual(["in->out"]);
    act().undo();
    expect(ids(specOf(get()))).toEqual(["in", "h", "out"]);
    expect(links()).toEqual(["in->h", "h->out"]);
    act().redo();
    expect(links()).toEqual(["in->out"]);
    // A node with two inputs is not bridged: which input would go on is not for the page to guess.
    act().undo();
    act().addNode("add", { x: 0, y: 0 });
    act().connect({ source: "in", target: "add1" });
    act().connect({ source: "h", target: "add1" });
    act().connect({ source: "add1", target: "out" });
    act().select("add1");
    act().deleteSelection();
    expect(links().sort()).toEqual(["h->out", "in->h"]);
  });

  test("a layer dropped on an edge goes between its ends, in one undo step", () => {
    const { get, act } = make();
    const links = () => get().edges.map((e) => `${e.source}->${e.target}`).sort();
    const past = get().past.length;
    const id = act().addNode("linear", { x: 50, y: 40 }, "h->out");
    expect(id).toBe("linear1");
    expect(links()).toEqual(["h->linear1", "in->h", "linear1->out"]);
    expect(get().past).toHaveLength(past + 1);
    // Level with h, after it; the output moved right to make room.
    const at = (nodeId: string) => get().nodes.find((n) => n.id === nodeId)?.position ?? { x: NaN, y: NaN };
    expect(at("linear1").y).toBe(at("h").y);
    expect(at("linear1").x).toBeGreaterThan(at("h").x);
    expect(at("out").x).toBeGreaterThan(at("linear1").x);
    act().undo();
    expect(links()).toEqual(["h->out", "in->h"]);
    expect(ids(specOf(get()))).toEqual(["in", "h", "out"]);
    expect(at("out")).toEqual({ x: 200, y: 0 });
    // An input cannot sit on an edge (nothing flows into it): it is only added.
    act().addNode("input", { x: 0, y: 0 }, "h->out");
    expect(links()).toEqual(["h->out", "in->h"]);
    expect(ids(specOf(get()))).toContain("input1");
    // An edge that is gone: only added.
    act().addNode("linear", { x: 0, y: 0 }, "nowhere");
    expect(links()).toEqual(["h->out", "in->h"]);
  });

  test("React Flow's own removals are ignored (deletion goes through the store's actions)", () => {
    const { get, act } = make();
    act().applyNodeChanges([{ type: "remove", id: "h" }]);
    act().applyEdgeChanges([{ type: "remove", id: "in->h" }]);
    expect(get().nodes).toHaveLength(3);
    expect(get().edges).toHaveLength(2);
  });

  test("a drag is one undo step, recorded when it ends", () => {
    const { get, act } = make();
    const move = (x: number, dragging: boolean) =>
      act().applyNodeChanges([{ type: "position", id: "h", position: { x, y: 0 }, dragging }]);
    move(110, true);
    move(150, true);
    expect(get().past).toHaveLength(0);
    move(170, false);
    expect(get().past).toHaveLength(1);
    expect(specOf(get()).nodes[1]?.position).toEqual({ x: 170, y: 0 });
    act().undo();
    expect(specOf(get()).nodes[1]?.position).toEqual({ x: 100, y: 0 });
  });

  test("selection changes are not edits", () => {
    const { get, act } = make();
    const rev = get().revision;
    act().applyNodeChanges([{ type: "select", id: "h", selected: true }]);
    expect(get().nodes[1]?.selected).toBe(true);
    expect(get().revision).toBe(rev);
    expect(get().past).toHaveLength(0);
  });

  test("clearNetwork keeps the input and the output; undoable", () => {
    const { get, act } = make();
    act().setParam("out", "loss", "mse");
    act().clearNetwork();
    expect(specOf(get()).nodes.map((n) => [n.id, n.type, n.params])).toEqual([
      ["in", "input", undefined],
      ["out", "output", { loss: "mse" }],
    ]);
    expect(get().edges).toEqual([]);
    act().undo();
    expect(ids(specOf(get()))).toEqual(["in", "h", "out"]);
    expect(get().edges).toHaveLength(2);
  });

  test("loadSetup replaces network, dataset and training; the network part is undoable", () => {
    const { get, act } = make();
    const starter = starterSetup();
    act().loadSetup(starter);
    expect(setupOf(get()).network.nodes.map((n) => n.id)).toEqual(starter.network.nodes.map((n) => n.id));
    expect(get().dataset).toEqual(starter.dataset);
    expect(get().training).toEqual(starter.training);
    expect(get().viewVersion).toBe(1);
    act().undo();
    expect(ids(specOf(get()))).toEqual(["in", "h", "out"]);
  });

  test("loadSetup keeps the positions it is given, unless asked to lay the network out afresh", () => {
    const { get, act } = make();
    act().loadSetup(TINY);
    expect(specOf(get()).nodes.map((n) => n.position)).toEqual(TINY.network.nodes.map((n) => n.position));
    act().loadSetup(TINY, { relayout: true });
    const xs = specOf(get()).nodes.map((n) => n.position?.x ?? 0);
    expect(xs).not.toEqual(TINY.network.nodes.map((n) => n.position?.x));
    expect(xs[1]).toBeGreaterThan((xs[0] ?? 0) + 100);
  });

  test("choosing another dataset resets its params; params can be set and removed", () => {
    const { get, act } = make();
    act().setDataset("xor");
    expect(get().dataset.params).toEqual({ noise: 0.1 });
    act().setDataset("spiral");
    expect(get().dataset).toEqual({ name: "spiral", params: {} });
    act().setDatasetParam("noise", 0.2);
    act().setDatasetParam("seed", 3);
    act().setDatasetParam("noise", undefined);
    expect(get().dataset.params).toEqual({ seed: 3 });
  });

  test("training changes merge", () => {
    const { get, act } = make();
    act().setTraining({ optimizer: "sgd", momentum: 0.9 });
    expect(get().training).toEqual({ ...TINY.training, optimizer: "sgd", momentum: 0.9 });
  });

  test("allErrors merges validation and run errors without repeats", () => {
    const { get, act } = make();
    const e1 = { node: "h", field: "out_features", message: "too small" };
    const e2 = { node: null, field: "dataset.name", message: "unknown" };
    act().setValidation({ valid: false, nodes: {}, total_params: 0, errors: [e1] });
    act().setRunErrors([{ ...e1 }, e2]);
    expect(allErrors(get())).toEqual([e1, e2]);
  });

  test("run state updates and resets", () => {
    const { get, act } = make();
    act().updateRun({ id: "r1", status: "running", step: 10 });
    expect(get().run).toMatchObject({ id: "r1", status: "running", step: 10, busy: false });
    act().resetRun();
    expect(get().run.status).toBe("idle");
    expect(get().run.id).toBeNull();
  });

  test("settings read before the registry came are checked against it when it comes", () => {
    const fromLink = { ...TINY, training: { ...DEFAULT_TRAINING, optimizer: "lion", lr: 0.2, beta3: 0.5 } };
    const store = createPlaygroundStore({ setup: fromLink });
    const catalog = { layers: [LINEAR], datasets: [], presets: [], optimizers: OPTIMIZERS, probes: PROBES };
    store.getState().actions.setCatalog(catalog);
    expect(store.getState().training).toEqual({ ...DEFAULT_TRAINING, lr: 0.2 });
    expect(store.getState().notice).toMatch(/no optimizer “lion”/);
    expect(store.getState().revision).toBe(1);
    // A known optimizer is kept, and nothing changes.
    const known = createPlaygroundStore({ setup: { ...TINY, training: { ...DEFAULT_TRAINING, optimizer: "sgd" } } });
    known.getState().actions.setCatalog(catalog);
    expect(known.getState().training.optimizer).toBe("sgd");
    expect(known.getState().revision).toBe(0);
    expect(known.getState().notice).toBeNull();
  });
});
