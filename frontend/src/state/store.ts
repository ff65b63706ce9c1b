// The playground's state and the only ways to change it (typed actions).
// The network lives as editor nodes and edges; `specOf` gives the contract's spec.
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from "@xyflow/react";
import { createStore, type StoreApi } from "zustand/vanilla";
import type {
  DatasetInfo,
  DatasetRef,
  JsonSchema,
  LayerInfo,
  NetworkSpec,
  OptimizerInfo,
  Preset,
  ProbeInfo,
  RunAction,
  RunStatus,
  SpecError,
  TrainingConfig,
  ValidationReport,
} from "../api/types";
import {
  connectionProblem,
  edgeId,
  flowToSpec,
  nextNodeId,
  specToFlow,
  type LayerEdge,
  type LayerNode,
} from "../graph/graph";
import { estimateNodeSize, GAPS, placeInEdge, type Box } from "../graph/layout";
import { removeBridging, spliceIntoEdge } from "../graph/splice";
import type { ConnectionState } from "../stream/client";
import { pairWithout, withCompared, withEntry, withoutCompared, type ProbePair, type RunEntry, type RunEntryInit } from "./compare";
import { demoOf, type LoadedDemo } from "./demo";
import { normalizeTraining, runKey, starterSetup, type Setup } from "./setup";

/** The registries the page is built from (GET /api/layers, datasets, presets, optimizers, probes). */
export interface Catalog {
  layers: LayerInfo[];
  datasets: DatasetInfo[];
  presets: Preset[];
  optimizers: OptimizerInfo[];
  probes: ProbeInfo[];
}

export type LoadState = "loading" | "ready" | "error";

/** The latest value of each curve (rows without an evaluation leave test values as they were). */
export interface LatestMetrics {
  train_loss: number | null;
  test_loss: number | null;
  train_acc: number | null;
  test_acc: number | null;
}

export interface RunState {
  id: string | null;
  /** `idle`: no run yet (or after reset). */
  status: RunStatus | "idle";
  /** Why the run failed, or why a control was refused, in the server's words. */
  error: string | null;
  /** The controls the run's status allows now, as the server last said (its answers and status frames). */
  actions: readonly RunAction[];
  /** The training fields the run takes while it trains (its optimizer's `live` list). */
  live: readonly string[];
  step: number;
  stepsPerS: number | null;
  latest: LatestMetrics;
  /** runKey() of the setup the run was created from. */
  key: string | null;
  connection: ConnectionState | null;
  /** A request to the server is in flight. */
  busy: boolean;
  /** The last start was refused by the server's limit of active runs (the banner offers to make room). */
  atRunLimit: boolean;
  /** Training fields whose live change the run refused, with the server's reason (the field shows the value in force). */
  refused: Readonly<Record<string, string>>;
}

interface Snapshot {
  nodes: LayerNode[];
  edges: LayerEdge[];
}

export const HISTORY_LIMIT = 100;
/** Param edits to one field within this many ms are one undo step (typing "128" is one edit). */
export const COALESCE_MS = 1500;

export interface PlaygroundActions {
  setCatalog: (catalog: Catalog) => void;
  setCatalogError: (message: string) => void;

  /** Add a layer; dropped on the edge `onEdge`, it goes between that edge's ends when it may. */
  addNode: (type: string, position: XYPosition, onEdge?: string) => string;
  applyNodeChanges: (changes: NodeChange<LayerNode>[]) => void;
  applyEdgeChanges: (changes: EdgeChange<LayerEdge>[]) => void;
  /** Add an edge; returns why it was refused, or null. */
  connect: (connection: Pick<Connection, "source" | "target">) => string | null;
  select: (nodeId: string | null) => void;
  /** Delete the selected nodes and edges; a deleted node's one input and one output stay joined. */
  deleteSelection: () => void;
  /** Delete a node; its one input and one output stay joined. */
  deleteNode: (id: string) => void;
  deleteEdge: (id: string) => void;
  /** Set a param (undefined removes it, so the server's default applies). */
  setParam: (nodeId: string, key: string, value: unknown) => void;
  clearNetwork: () => void;
  undo: () => void;
  redo: () => void;

  /**
   * Replace network, dataset and training (preset, import, link). Undoable for the network.
   * `relayout` lays the network out afresh (demos: their positions are not the page's).
   */
  loadSetup: (setup: Setup, options?: { relayout?: boolean }) => void;
  setDataset: (name: string) => void;
  setDatasetParam: (key: string, value: unknown) => void;
  setTraining: (changes: Partial<TrainingConfig>) => void;
  /** A settings field holds text that is not a valid value (null: it does again); such a field blocks Play. */
  setFieldProblem: (field: string, problem: string | null) => void;

  setValidation: (report: ValidationReport | null, problem?: string | null) => void;
  setValidating: (validating: boolean) => void;
  setRunErrors: (errors: SpecError[]) => void;
  updateRun: (changes: Partial<RunState>) => void;
  resetRun: () => void;
  setNotice: (message: string | null) => void;
  /** Overlay a run (last, or first as the base); false when as many runs as allowed are compared. */
  compareRun: (init: RunEntryInit, base?: boolean) => boolean;
  /** Stop comparing a run (and forget its entry). */
  uncompare: (id: string) => void;
  clearCompare: () => void;
  /** Change what is known of a run shown (its status, step, best accuracy, config). */
  updateRunEntry: (id: string, changes: Partial<Omit<RunEntry, "id">>) => void;
  /** Open a run view of the own run (a probe name), or the first that applies (null). */
  showRunView: (view: string | null) => void;
  /** Show compared runs' run-wide view side by side (null: close the pair view). */
  showPair: (pair: ProbePair | null) => void;
  /** Say that the setup just loaded is this demo (its preset's name). */
  markDemo: (name: string) => void;
  setPresentation: (on: boolean) => void;
}

export interface PlaygroundState {
  catalog: Catalog;
  catalogState: LoadState;
  catalogError: string | null;
  name: string;
  nodes: LayerNode[];
  edges: LayerEdge[];
  dataset: DatasetRef;
  training: TrainingConfig;
  past: Snapshot[];
  future: Snapshot[];
  /** Increments on every change of the network, dataset or training (drives validation and the hash). */
  revision: number;
  /** Increments when a whole new network is loaded: the canvas then fits it into view. */
  viewVersion: number;
  validation: ValidationReport | null;
  validating: boolean;
  /** Validation could not be asked (server unreachable): not a problem of the network. */
  validationProblem: string | null;
  /** Errors the server gave when creating a run (checks validation does not make). */
  runErrors: SpecError[];
  /** Settings fields whose text is not a valid value, with why (they keep the last valid value meanwhile). */
  fieldProblems: Readonly<Record<string, string>>;
  run: RunState;
  /** Every run the page shows, keyed by id (the own run too, while it is compared). */
  runs: Readonly<Record<string, RunEntry>>;
  /** The runs overlaid on the charts, in the order picked: the first is the base. */
  compare: readonly string[];
  /** The own run's view shown beside the curves (a probe name; null: the first that applies). */
  runView: string | null;
  /** Compared runs whose run-wide view shows side by side (a lesson's loss landscapes, decision boundaries), or null. */
  pair: ProbePair | null;
  notice: string | null;
  /** The demo loaded last; null once another setup is loaded (an import, a pasted link). */
  demo: LoadedDemo | null;
  /** Presentation mode: canvas, charts and panels drawn larger, for a projector. */
  presentation: boolean;
  actions: PlaygroundActions;
}

export type PlaygroundStore = StoreApi<PlaygroundState>;

export const IDLE_RUN: RunState = {
  id: null,
  status: "idle",
  error: null,
  actions: [],
  live: [],
  step: 0,
  stepsPerS: null,
  latest: { train_loss: null, test_loss: null, train_acc: null, test_acc: null },
  key: null,
  connection: null,
  busy: false,
  atRunLimit: false,
  refused: {},
};

/** The values a fresh node of a type starts with: only what is required and has no default. */
export function initialParams(layer: LayerInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const schema = layer?.params_schema;
  for (const key of schema?.required ?? []) {
    const prop: JsonSchema | undefined = schema?.properties?.[key];
    if (!prop || prop.default !== undefined) continue;
    if (prop.enum && prop.enum.length > 0) out[key] = prop.enum[0];
    else if (prop.type === "integer") out[key] = Math.max(prop.minimum ?? 1, key.startsWith("out_") ? 16 : 1);
    else if (prop.type === "number") out[key] = prop.minimum ?? 0;
    else if (prop.type === "boolean") out[key] = false;
  }
  return out;
}

/** Each node's box on the canvas: its size as drawn, or as expected before it is. */
function boxesOf(nodes: readonly LayerNode[]): Map<string, Box> {
  return new Map(
    nodes.map((n) => {
      const guess = estimateNodeSize({ id: n.id, type: n.data.layerType, params: n.data.params });
      const size = { width: n.measured?.width ?? guess.width, height: n.measured?.height ?? guess.height };
      return [n.id, { ...n.position, ...size }];
    }),
  );
}

function strip(nodes: readonly LayerNode[], edges: readonly LayerEdge[]): Snapshot {
  return {
    nodes: nodes.map((n) => ({ id: n.id, type: "layer", position: { ...n.position }, data: n.data })),
    edges: edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
  };
}

export interface StoreOptions {
  setup?: Setup;
  now?: () => number;
}

export function createPlaygroundStore(options: StoreOptions = {}): PlaygroundStore {
  const now = options.now ?? (() => Date.now());
  const initial = options.setup ?? starterSetup();
  const flow = specToFlow(initial.network);
  let lastParamEdit: { key: string; at: number } | null = null;
  let dragStart: Snapshot | null = null;

  return createStore<PlaygroundState>()((set, get) => {
    /** Record the current network for undo, then apply a change to it. */
    const edit = (change: (s: PlaygroundState) => Partial<PlaygroundState>, coalesceKey?: string): void => {
      const state = get();
      const t = now();
      const coalesce =
        coalesceKey !== undefined &&
        lastParamEdit !== null &&
        lastParamEdit.key === coalesceKey &&
        t - lastParamEdit.at < COALESCE_MS;
      lastParamEdit = coalesceKey !== undefined ? { key: coalesceKey, at: t } : null;
      const past = coalesce ? state.past : [...state.past, strip(state.nodes, state.edges)].slice(-HISTORY_LIMIT);
      set({ ...change(state), past, future: [], revision: state.revision + 1, runErrors: [] });
    };

    const restore = (snapshot: Snapshot): Partial<PlaygroundState> => ({
      nodes: snapshot.nodes.map((n) => ({ ...n, data: n.data })),
      edges: snapshot.edges.map((e) => ({ ...e })),
    });

    const actions: PlaygroundActions = {
      setCatalog: (catalog) =>
        set((s) => {
          // Settings read before the registry was known (a link) are checked against it now.
          const training = normalizeTraining(s.training, catalog.optimizers);
          const changed = JSON.stringify(training) !== JSON.stringify(s.training);
          const dropped = training.optimizer !== s.training.optimizer;
          // A link to a demo, unchanged, shows as that demo.
          const demo = s.demo ?? demoOf(catalog.presets, { network: specOf(s), dataset: s.dataset, training });
          return {
            catalog,
            demo,
            catalogState: "ready",
            catalogError: null,
            ...(changed ? { training, revision: s.revision + 1 } : {}),
            ...(dropped ? { notice: `The server has no optimizer “${s.training.optimizer}”: ${training.optimizer} is used.` } : {}),
          };
        }),
      setCatalogError: (message) => set({ catalogState: "error", catalogError: message }),

      addNode: (type, position, onEdge) => {
        const state = get();
        const id = nextNodeId(type, state.nodes.map((n) => n.id));
        const layer = state.catalog.layers.find((l) => l.type === type);
        const dropped = { x: Math.round(position.x), y: Math.round(position.y) };
        const typeOf = (nodeId: string) =>
          nodeId === id ? type : state.nodes.find((n) => n.id === nodeId)?.data.layerType;
        const spliced = onEdge === undefined ? null : spliceIntoEdge(state.edges, onEdge, id, typeOf);
        const into = spliced ? state.edges.find((e) => e.id === onEdge) : undefined;
        // Put into an edge, the layer takes its place in the row, and the row makes room for it.
        const room = into
          ? placeInEdge(boxesOf(state.nodes), into.source, into.target, estimateNodeSize({ id, type }), dropped)
          : null;
        const node: LayerNode = {
          id,
          type: "layer",
          position: room?.at ?? dropped,
          data: { layerType: type, params: initialParams(layer) },
          selected: true,
        };
        edit((s) => ({
          nodes: [
            ...s.nodes.map((n) => {
              const to = room?.moved.get(n.id);
              return n.selected || to ? { ...n, selected: false, position: to ?? n.position } : n;
            }),
            node,
          ],
          edges: (spliced ?? s.edges).map((e) => (e.selected ? { ...e, selected: false } : e)),
        }));
        return id;
      },

      applyNodeChanges: (changes) => {
        const state = get();
        // Removals go through deleteSelection (one undo step); React Flow's own delete key is off.
        const kept = changes.filter((c) => c.type !== "remove");
        const moves = kept.filter((c) => c.type === "position");
        const moved = moves.length > 0;
        const dragging = moves.some((c) => c.type === "position" && c.dragging);
        if (moved && dragging && dragStart === null) dragStart = strip(state.nodes, state.edges);
        const nodes = applyNodeChanges(kept, state.nodes);
        if (moved && !dragging && dragStart !== null) {
          const before = dragStart;
          dragStart = null;
          lastParamEdit = null;
          set({
            nodes,
            past: [...state.past, before].slice(-HISTORY_LIMIT),
            future: [],
            revision: state.revision + 1,
          });
          return;
        }
        set(moved ? { nodes, revision: state.revision + 1 } : { nodes });
      },

      applyEdgeChanges: (changes) => {
        const kept = changes.filter((c) => c.type !== "remove");
        set((s) => ({ edges: applyEdgeChanges(kept, s.edges) }));
      },

      connect: ({ source, target }) => {
        const state = get();
        const typeOf = (id: string) => state.nodes.find((n) => n.id === id)?.data.layerType;
        const problem = connectionProblem({ source, target }, typeOf, state.edges);
        if (problem !== null || !source || !target) return problem ?? "an edge needs both ends";
        let id = edgeId(source, target);
        while (state.edges.some((e) => e.id === id)) id += "'";
        edit((s) => ({ edges: [...s.edges, { id, source, target }] }));
        return null;
      },

      select: (nodeId) =>
        set((s) => ({
          nodes: s.nodes.map((n) => {
            const selected = n.id === nodeId;
            return Boolean(n.selected) === selected ? n : { ...n, selected };
          }),
          edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        })),

      deleteSelection: () => {
        const state = get();
        const gone = new Set(state.nodes.filter((n) => n.selected).map((n) => n.id));
        const kept = state.edges.filter((e) => !e.selected);
        if (gone.size === 0 && kept.length === state.edges.length) return;
        edit((s) => ({
          nodes: s.nodes.filter((n) => !gone.has(n.id)),
          edges: removeBridging(kept, gone),
        }));
      },

      deleteNode: (id) => {
        if (!get().nodes.some((n) => n.id === id)) return;
        edit((s) => ({
          nodes: s.nodes.filter((n) => n.id !== id),
          edges: removeBridging(s.edges, new Set([id])),
        }));
      },

      deleteEdge: (id) => {
        if (!get().edges.some((e) => e.id === id)) return;
        edit((s) => ({ edges: s.edges.filter((e) => e.id !== id) }));
      },

      setParam: (nodeId, key, value) => {
        const node = get().nodes.find((n) => n.id === nodeId);
        if (!node) return;
        const current = node.data.params;
        if (value === undefined ? !(key in current) : Object.is(current[key], value)) return;
        const params = { ...current };
        if (value === undefined) delete params[key];
        else params[key] = value;
        edit(
          (s) => ({
            nodes: s.nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, params } } : n)),
          }),
          `${nodeId}\u0000${key}`,
        );
      },

      clearNetwork: () => {
        // Keep the input and the output as they are (their params too), side by side.
        const rows = { input: 0, output: 0 };
        const nodes = get()
          .nodes.filter((n) => n.data.layerType === "input" || n.data.layerType === "output")
          .map((n): LayerNode => {
            const kind = n.data.layerType as "input" | "output";
            const pitch = estimateNodeSize({ id: n.id, type: kind }).height + GAPS.node;
            const position = { x: kind === "input" ? 0 : 600, y: rows[kind]++ * pitch };
            return { id: n.id, type: "layer", position, data: n.data };
          });
        edit((s) => ({ nodes, edges: [], viewVersion: s.viewVersion + 1 }));
      },

      undo: () => {
        const state = get();
        const previous = state.past[state.past.length - 1];
        if (!previous) return;
        lastParamEdit = null;
        set({
          ...restore(previous),
          past: state.past.slice(0, -1),
          future: [strip(state.nodes, state.edges), ...state.future].slice(0, HISTORY_LIMIT),
          revision: state.revision + 1,
          runErrors: [],
        });
      },

      redo: () => {
        const state = get();
        const next = state.future[0];
        if (!next) return;
        lastParamEdit = null;
        set({
          ...restore(next),
          past: [...state.past, strip(state.nodes, state.edges)].slice(-HISTORY_LIMIT),
          future: state.future.slice(1),
          revision: state.revision + 1,
          runErrors: [],
        });
      },

      loadSetup: (setup, options = {}) => {
        const { nodes, edges } = specToFlow(setup.network, options);
        edit((s) => ({
          nodes,
          edges,
          viewVersion: s.viewVersion + 1,
          name: setup.network.name ?? "",
          dataset: { name: setup.dataset.name, params: { ...setup.dataset.params } },
          training: { ...setup.training },
          validation: null,
          demo: null,
        }));
      },

      setDataset: (name) =>
        set((s) =>
          s.dataset.name === name
            ? {}
            : { dataset: { name, params: {} }, revision: s.revision + 1, runErrors: [] },
        ),

      setDatasetParam: (key, value) =>
        set((s) => {
          const params = { ...s.dataset.params };
          if (value === undefined) delete params[key];
          else params[key] = value;
          return { dataset: { ...s.dataset, params }, revision: s.revision + 1, runErrors: [] };
        }),

      setTraining: (changes) => set((s) => ({ training: { ...s.training, ...changes }, revision: s.revision + 1 })),
      setFieldProblem: (field, problem) =>
        set((s) => {
          if ((s.fieldProblems[field] ?? null) === problem) return {};
          const fieldProblems = { ...s.fieldProblems };
          if (problem === null) delete fieldProblems[field];
          else fieldProblems[field] = problem;
          return { fieldProblems };
        }),

      setValidation: (report, problem = null) => set({ validation: report, validationProblem: problem }),
      setValidating: (validating) => set({ validating }),
      setRunErrors: (runErrors) => set({ runErrors }),
      updateRun: (changes) => set((s) => ({ run: { ...s.run, ...changes } })),
      resetRun: () => set({ run: { ...IDLE_RUN } }),
      setNotice: (notice) => set({ notice }),
      compareRun: (init, base = false) => {
        const next = withCompared(get(), init, base);
        if (next !== null) set({ runs: next.runs, compare: next.compare });
        return next !== null;
      },
      uncompare: (id) =>
        set((s) => {
          const { runs, compare } = withoutCompared(s, id);
          return { runs, compare, pair: pairWithout(s.pair, id) };
        }),
      clearCompare: () => set({ runs: {}, compare: [], pair: null }),
      updateRunEntry: (id, changes) =>
        set((s) => {
          const next = withEntry(s, id, changes);
          // The same state when nothing changed: listeners are not told of a change that is none.
          return next === s ? s : { runs: next.runs };
        }),
      showRunView: (runView) => set({ runView }),
      showPair: (pair) => set({ pair }),
      // The key of the setup as the editor holds it: later edits are compared to it.
      markDemo: (name) => set((s) => ({ demo: { name, key: runKey(setupOf(s)) } })),
      setPresentation: (presentation) => set({ presentation }),
    };

    return {
      catalog: { layers: [], datasets: [], presets: [], optimizers: [], probes: [] },
      catalogState: "loading",
      catalogError: null,
      name: initial.network.name ?? "",
      nodes: flow.nodes,
      edges: flow.edges,
      dataset: { name: initial.dataset.name, params: { ...initial.dataset.params } },
      training: { ...initial.training },
      past: [],
      future: [],
      revision: 0,
      viewVersion: 0,
      validation: null,
      validating: false,
      validationProblem: null,
      runErrors: [],
      fieldProblems: {},
      run: { ...IDLE_RUN },
      runs: {},
      compare: [],
      runView: null,
      pair: null,
      notice: null,
      demo: null,
      presentation: false,
      actions,
    };
  });
}

/** The contract's network spec of the current canvas. */
export function specOf(state: Pick<PlaygroundState, "nodes" | "edges" | "name">): NetworkSpec {
  return flowToSpec(state.nodes, state.edges, state.name || undefined);
}

/** The current setup (network, dataset, training). */
export function setupOf(state: PlaygroundState): Setup {
  return { network: specOf(state), dataset: state.dataset, training: state.training };
}

/** Every error to show: validation's and those the server gave when a run was refused. */
export function allErrors(state: Pick<PlaygroundState, "validation" | "runErrors">): SpecError[] {
  const seen = new Set<string>();
  const out: SpecError[] = [];
  for (const e of [...(state.validation?.errors ?? []), ...state.runErrors]) {
    const key = `${e.node}\u0000${e.field}\u0000${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
