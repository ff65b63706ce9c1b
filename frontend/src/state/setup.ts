// A playground setup: network spec, dataset and training settings. It is what the
// URL hash, exports, imports and presets carry, and what a run is created from.
import type { DatasetRef, JsonSchema, NetworkSpec, OptimizerInfo, TrainingConfig } from "../api/types";
import { parseSpec, structuralSpec } from "../graph/graph";

export interface Setup {
  network: NetworkSpec;
  dataset: DatasetRef;
  training: TrainingConfig;
}

/**
 * The server's own defaults (its TrainingConfig; setup.test.ts checks them against
 * openapi.json), so an untouched form trains as the API would.
 */
export const DEFAULT_TRAINING: TrainingConfig = {
  optimizer: "adam",
  lr: 0.01,
  momentum: 0,
  nesterov: false,
  weight_decay: 0,
  alpha: 0.99,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  batch_size: 32,
  max_steps: 5000,
  max_steps_per_s: 0,
  seed: 0,
};

/** Training settings every optimizer has (the training panel's own fields), beside its hyperparameters. */
export const COMMON_TRAINING_FIELDS = ["batch_size", "max_steps", "seed"] as const;

/** One training setting by name (an optimizer's hyperparameter may be one the types do not list yet). */
export function trainingValue(training: TrainingConfig, name: string): unknown {
  return (training as Record<string, unknown>)[name];
}

/** The optimizer's registry entry; undefined when the registry is not loaded or does not serve it. */
export function optimizerInfo(optimizers: readonly OptimizerInfo[], name: string): OptimizerInfo | undefined {
  return optimizers.find((o) => o.name === name);
}

/** The network on the canvas at first load: a small MLP that learns the 2-D sets at once. */
export function starterSetup(): Setup {
  const chain: [string, string, Record<string, unknown>][] = [
    ["in", "input", {}],
    ["h1", "linear", { out_features: 16 }],
    ["a1", "relu", {}],
    ["h2", "linear", { out_features: 16 }],
    ["a2", "relu", {}],
    ["fc", "linear", { out_features: 2 }],
    ["out", "output", { loss: "cross_entropy" }],
  ];
  const network: NetworkSpec = {
    version: 1,
    name: "starter",
    nodes: chain.map(([id, type, params], i) => ({
      id,
      type,
      ...(Object.keys(params).length > 0 ? { params } : {}),
      position: { x: 125 * i, y: 55 * i },
    })),
    edges: chain.slice(1).map(([id], i) => {
      const source = chain[i]?.[0] as string;
      return { source, target: id, id: `${source}->${id}` };
    }),
  };
  return { network, dataset: { name: "circle", params: {} }, training: { ...DEFAULT_TRAINING } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** At most this many settings beyond the known ones are kept from a link. */
const MAX_EXTRA = 16;

function kindOf(schema: JsonSchema | undefined): "number" | "boolean" | null {
  if (schema?.type === "number" || schema?.type === "integer") return "number";
  return schema?.type === "boolean" ? "boolean" : null;
}

/**
 * Training settings from untrusted JSON: known fields of the right type, defaults for the
 * rest. Known: the server's TrainingConfig fields, and every hyperparameter the optimizer
 * registry declares. The optimizer is checked against the registry when it is known (else
 * any name is kept, and checked once the registry comes: see the store's setCatalog).
 */
export function normalizeTraining(value: unknown, optimizers: readonly OptimizerInfo[] = []): TrainingConfig {
  const out: TrainingConfig = { ...DEFAULT_TRAINING };
  if (optimizers.length > 0 && !optimizerInfo(optimizers, out.optimizer)) out.optimizer = optimizers[0]?.name ?? out.optimizer;
  if (!isRecord(value)) return out;
  const name = value.optimizer;
  if (typeof name === "string" && name !== "" && (optimizers.length === 0 || optimizerInfo(optimizers, name))) {
    out.optimizer = name;
  }
  const kinds = new Map<string, "number" | "boolean">();
  for (const [key, v] of Object.entries(DEFAULT_TRAINING)) {
    if (typeof v === "number" || typeof v === "boolean") kinds.set(key, typeof v === "number" ? "number" : "boolean");
  }
  for (const entry of optimizers) {
    for (const [key, schema] of Object.entries(entry.params_schema.properties ?? {})) {
      const kind = kindOf(schema);
      if (kind !== null && !kinds.has(key)) kinds.set(key, kind);
    }
  }
  const record = out as Record<string, unknown>;
  for (const [key, kind] of kinds) {
    const v = value[key];
    if (kind === "number" ? typeof v === "number" && Number.isFinite(v) : typeof v === "boolean") record[key] = v;
  }
  if (optimizers.length === 0) {
    // Before the registry is known, keep what may be a hyperparameter of an optimizer added
    // on the server since; setCatalog normalizes again and drops what the registry lacks.
    let extra = 0;
    for (const [key, v] of Object.entries(value)) {
      if (kinds.has(key) || !/^[a-z][a-z0-9_]{0,39}$/.test(key) || extra >= MAX_EXTRA) continue;
      if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean") {
        record[key] = v;
        extra += 1;
      }
    }
  }
  return out;
}

/**
 * A setup from untrusted JSON: a run body or preset run ({network, dataset, training}),
 * or a bare network spec (dataset and training then come from `fallback`).
 */
export function parseSetup(value: unknown, fallback: Setup, optimizers: readonly OptimizerInfo[] = []): Setup {
  if (!isRecord(value)) throw new Error("expected a JSON object");
  if ("nodes" in value) {
    return { network: parseSpec(value), dataset: fallback.dataset, training: fallback.training };
  }
  if (!("network" in value)) throw new Error("expected a network spec, or an object with a network");
  const network = parseSpec(value.network);
  let dataset = fallback.dataset;
  if (isRecord(value.dataset) && typeof value.dataset.name === "string") {
    dataset = { name: value.dataset.name, params: isRecord(value.dataset.params) ? { ...value.dataset.params } : {} };
  }
  const training = "training" in value ? normalizeTraining(value.training, optimizers) : fallback.training;
  return { network, dataset, training };
}

/**
 * What a run is bound to: the network's structure, the dataset, and the settings
 * that cannot change live. When it differs from the run's, play makes a new run.
 */
export function runKey(setup: Setup): string {
  const { optimizer, seed } = setup.training;
  return JSON.stringify({ network: structuralSpec(setup.network), dataset: setup.dataset, optimizer, seed });
}
