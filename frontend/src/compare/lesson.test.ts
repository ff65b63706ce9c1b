import { describe, expect, test } from "vitest";
import { ApiError } from "../api/client";
import type { Preset, RunBody } from "../api/types";
import { createPlaygroundStore } from "../state/store";
import { LESSON, OPTIMIZERS, PROBES, runRecord } from "../testing/fixtures";
import { othersOf, pairViewOf, panelsOf, trainTogether, type BesideDeps } from "./lesson";

const network = {
  version: 1,
  nodes: [
    { id: "in", type: "input" },
    { id: "fc", type: "linear", params: { out_features: 2 } },
    { id: "out", type: "output" },
  ],
  edges: [
    { source: "in", target: "fc" },
    { source: "fc", target: "out" },
  ],
};

const body = (name: string, lr: number) => ({ name, network, dataset: { name: "spiral", params: {} }, training: { optimizer: "adam", lr, max_steps: 1500 } });

/** A comparison lesson of two runs that differ in lr, opening the landscape. */
function lesson(changes: Partial<Preset> = {}): Preset {
  const runs = [body("plain", 0.005), body("residual", 0.01)];
  return { name: "pair", title: "The pair", doc: "", run: runs[0] as Preset["run"], runs, lesson: { ...LESSON, panels: ["loss_landscape"] }, ...changes };
}

const pair = lesson();

function harness(options: { ownFails?: boolean; createFails?: boolean } = {}) {
  const store = createPlaygroundStore();
  store.getState().actions.setCatalog({ layers: [], datasets: [], presets: [pair], optimizers: OPTIMIZERS, probes: PROBES });
  const calls: [string, unknown][] = [];
  const added: [string, boolean][] = [];
  const deps: BesideDeps = {
    store,
    controller: {
      play: () => {
        calls.push(["play", null]);
        store.getState().actions.updateRun(options.ownFails ? { error: "the server is full" } : { id: "own", status: "queued" });
        return Promise.resolve();
      },
    },
    comparison: {
      add: (init, base = false) => {
        added.push([init.id, base]);
        return store.getState().actions.compareRun(init, base);
      },
    },
    api: {
      createRun: (body: RunBody) => {
        calls.push(["create", body]);
        return options.createFails ? Promise.reject(new ApiError(422, "the run is invalid")) : Promise.resolve(runRecord("other", "created", { name: body.name }));
      },
      control: (id, action) => {
        calls.push([action, id]);
        return Promise.resolve(runRecord(id, "queued"));
      },
    },
  };
  return { store, deps, calls, added };
}

describe("a comparison lesson", () => {
  test("the own run plays, the others are created at the page's pace and started, all compared (own first), landscapes side by side", async () => {
    const h = harness();
    h.store.getState().actions.setTraining({ max_steps_per_s: 50 });
    await trainTogether(h.deps, pair);
    expect(h.calls.map((c) => c[0])).toEqual(["play", "create", "start"]);
    const created = h.calls[1]?.[1] as RunBody;
    expect(created).toMatchObject({ name: "residual", dataset: { name: "spiral" }, training: { lr: 0.01, max_steps: 1500, max_steps_per_s: 50 } });
    expect(created.network).toMatchObject({ name: "residual" });
    expect(created.network.nodes.map((n) => n.id)).toEqual(["in", "fc", "out"]);
    expect(h.calls[2]).toEqual(["start", "other"]);
    expect(h.added).toEqual([
      ["own", true],
      ["other", false],
    ]);
    expect(h.store.getState()).toMatchObject({ compare: ["own", "other"], pair: { view: "loss_landscape", runs: ["own", "other"] } });
  });

  test("stop comparing pressed while the others start clears them all: none is compared after it", async () => {
    const h = harness();
    let made = 0;
    h.deps.api.createRun = (body: RunBody) => Promise.resolve(runRecord(`other${++made}`, "created", { name: body.name }));
    let pressed = false;
    h.deps.api.control = (id) => {
      if (!pressed) h.store.getState().actions.clearCompare(); // the press, while the first start is on its way
      pressed = true;
      return Promise.resolve(runRecord(id, "queued"));
    };
    const three = lesson({ runs: [body("a", 0.01), body("b", 0.02), body("c", 0.03)], lesson: LESSON });
    await trainTogether(h.deps, three);
    expect(h.added.map(([id]) => id)).toEqual(["own", "other1", "other2"]);
    expect(h.store.getState().compare).toEqual([]);
  });

  test("a lesson naming another run-wide view shows that one side by side, for all its runs", async () => {
    const h = harness();
    let made = 0;
    h.deps.api.createRun = (body: RunBody) => Promise.resolve(runRecord(`other${++made}`, "created", { name: body.name }));
    const three = lesson({ runs: [body("a", 0.01), body("b", 0.02), body("c", 0.03)], lesson: { ...LESSON, panels: ["erf:c1", "decision_boundary"] } });
    await trainTogether(h.deps, three);
    expect(h.store.getState().pair).toEqual({ view: "decision_boundary", runs: ["own", "other1", "other2"] });
  });

  test("pairViewOf: the first run-wide panel of a comparison, none for one run or node panels only", () => {
    expect(pairViewOf(pair)).toBe("loss_landscape");
    expect(pairViewOf(lesson({ lesson: { ...LESSON, panels: ["feature_maps:c1"] } }))).toBeNull();
    expect(pairViewOf(lesson({ runs: null }))).toBeNull();
  });

  test("no pair view for a lesson whose panels name no run-wide view", async () => {
    const h = harness();
    await trainTogether(h.deps, lesson({ lesson: LESSON }));
    expect(h.store.getState().compare).toEqual(["own", "other"]);
    expect(h.store.getState().pair).toBeNull();
  });

  test("when the own run cannot train, nothing is made beside it", async () => {
    const h = harness({ ownFails: true });
    await trainTogether(h.deps, pair);
    expect(h.calls.map((c) => c[0])).toEqual(["play"]);
    expect(h.store.getState().compare).toEqual([]);
  });

  test("a run the server refuses is said, and nothing is compared", async () => {
    const h = harness({ createFails: true });
    await trainTogether(h.deps, pair);
    expect(h.store.getState().notice).toContain("Cannot train all of “The pair”: the run is invalid");
    expect(h.store.getState()).toMatchObject({ compare: [], pair: null });
  });

  test("the runs beside the first and the panels come from the lesson; a one-run preset has none", () => {
    expect(othersOf(pair).map((r) => r.name)).toEqual(["residual"]);
    expect(panelsOf(pair)).toEqual(["loss_landscape"]);
    const single = lesson({ runs: null });
    expect(othersOf(single)).toEqual([]);
  });
});
