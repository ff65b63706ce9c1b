// Test data shaped as the server serves it: registry entries (as GET /api/optimizers and
// GET /api/probes answer), run records and metric rows. Only unit tests import this.
import type { MetricsRow, OptimizerInfo, Preset, ProbeApplies, ProbeInfo, RunAction, RunRecord, RunStatus, RunSummary } from "../api/types";
import type { JsonSchema } from "../api/types";

const lr: JsonSchema = { type: "number", title: "Lr", description: "Learning rate (step size).", default: 0.01, exclusiveMinimum: 0, maximum: 10 };
const momentum: JsonSchema = { type: "number", title: "Momentum", description: "Momentum.", default: 0, minimum: 0, exclusiveMaximum: 1 };
const nesterov: JsonSchema = { type: "boolean", title: "Nesterov", description: "Nesterov momentum.", default: false };
const weightDecay: JsonSchema = { type: "number", title: "Weight Decay", description: "L2 penalty.", default: 0, minimum: 0, maximum: 1 };
const eps: JsonSchema = { type: "number", title: "Eps", description: "Added to denominators.", default: 1e-8, exclusiveMinimum: 0, maximum: 1 };
const alpha: JsonSchema = { type: "number", title: "Alpha", description: "Squared-gradient decay.", default: 0.99, minimum: 0, exclusiveMaximum: 1 };
const beta1: JsonSchema = { type: "number", title: "Beta1", description: "First-moment decay.", default: 0.9, minimum: 0, exclusiveMaximum: 1 };
const beta2: JsonSchema = { type: "number", title: "Beta2", description: "Second-moment decay.", default: 0.999, minimum: 0, exclusiveMaximum: 1 };

function optimizer(name: string, properties: Record<string, JsonSchema>): OptimizerInfo {
  return {
    name,
    doc: `${name}, as the server describes it.`,
    params_schema: { type: "object", properties },
    live: [...Object.keys(properties), "batch_size", "max_steps"],
  };
}

const adam = { lr, beta1, beta2, eps, weight_decay: weightDecay };

/** GET /api/optimizers. */
/** A preset's lesson, as GET /api/presets gives each (tests that do not read it share this one). */
export const LESSON: Preset["lesson"] = {
  concept: "Stacking layers",
  group: "Neural networks",
  order: 5,
  card: { do: "Press play.", watch: "The boundary.", takeaway: "Depth bends it.", question: "Why?" },
  panels: [],
};

export const OPTIMIZERS: OptimizerInfo[] = [
  optimizer("sgd", { lr, momentum, nesterov, weight_decay: weightDecay }),
  optimizer("rmsprop", { lr, momentum, alpha, eps, weight_decay: weightDecay }),
  optimizer("adam", adam),
  optimizer("adamw", adam),
];

const NODE = ["input", "output"];

function probe(name: string, scope: "node" | "run", applies: Partial<ProbeApplies>): ProbeInfo {
  return {
    name,
    doc: `${name}, as the server describes it.`,
    scope,
    applies: {
      skip_types: [],
      only_types: null,
      output_rank: null,
      needs_params: false,
      input_rank: null,
      input_shape: null,
      tasks: null,
      ...applies,
    },
    params_schema: { type: "object", properties: {} },
  };
}

/** GET /api/probes, in the server's order (which is not the page's). */
export const PROBES: ProbeInfo[] = [
  probe("activations", "node", { skip_types: NODE }),
  probe("feature_maps", "node", { skip_types: NODE, output_rank: 3 }),
  probe("erf", "node", { skip_types: NODE, output_rank: 3, input_rank: 3 }),
  probe("weights", "node", { skip_types: NODE, needs_params: true }),
  probe("gradients", "node", { skip_types: NODE, needs_params: true }),
  probe("decision_boundary", "run", { input_shape: [2] }),
  probe("predictions", "run", { input_rank: 3, tasks: ["classification"] }),
  probe("confusion", "run", { input_rank: 3, tasks: ["classification"] }),
  probe("segmentation", "run", { tasks: ["segmentation"] }),
];

/** The controls each status allows, as the server's lifecycle table has them (server/lifecycle.py). */
export function actionsOf(status: RunStatus): RunAction[] {
  switch (status) {
    case "created":
      return ["start", "step", "stop", "update"];
    case "queued":
      return ["pause", "resume", "step", "stop", "update"];
    case "paused":
      return ["start", "resume", "step", "stop", "update"];
    case "running":
      return ["pause", "stop", "update"];
    default:
      return [];
  }
}

/** A run record as GET /api/runs/{id} answers it. */
export function runRecord(id: string, status: RunStatus, changes: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: "x",
    status,
    actions: actionsOf(status),
    error: null,
    step: 0,
    config: { name: "x", network: { version: 1, name: "x", nodes: [], edges: [] }, dataset: { name: "circle", params: {} }, device: "auto" },
    checkpoint: null,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    ...changes,
  };
}

/** A run as GET /api/runs lists it. */
export function runSummary(id: string, status: RunStatus, createdAt: string, changes: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: `run ${id}`,
    status,
    actions: actionsOf(status),
    error: null,
    step: 0,
    dataset: "circle",
    optimizer: "adam",
    checkpoint: null,
    created_at: createdAt,
    updated_at: createdAt,
    started_at: null,
    finished_at: null,
    ...changes,
  };
}

/** A metric row of step `step` (the fields every row has, then `changes`). */
export function metricsRow(step: number, changes: Partial<MetricsRow> = {}): MetricsRow {
  return { step, epoch: 0, lr: 0.01, train_loss: null, steps_per_s: 0, wall_s: 0, ...changes };
}
