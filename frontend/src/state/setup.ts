// A playground setup: network spec, dataset and training settings. It is what the
// URL hash, exports, imports and presets carry, and what a run is created from.
import type { DatasetRef, NetworkSpec, OptimizerName, TrainingConfig } from "../api/types";
import { parseSpec, structuralSpec } from "../graph/graph";

export interface Setup {
  network: NetworkSpec;
  dataset: DatasetRef;
  training: TrainingConfig;
}

export const OPTIMIZERS: readonly OptimizerName[] = ["sgd", "rmsprop", "adam", "adamw"];

/** The server's own defaults (models/optim.py), so an untouched form trains as the API would. */
export const DEFAULT_TRAINING: TrainingConfig = {
  optimizer: "adam",
  lr: 0.01,
  momentum: 0,
  nesterov: false,
  weight_decay: 0,
  batch_size: 32,
  max_steps: 5000,
  seed: 0,
};

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

/** Training settings from untrusted JSON: known fields of the right type, defaults for the rest. */
export function normalizeTraining(value: unknown): TrainingConfig {
  const out: TrainingConfig = { ...DEFAULT_TRAINING };
  if (!isRecord(value)) return out;
  if (typeof value.optimizer === "string" && (OPTIMIZERS as readonly string[]).includes(value.optimizer)) {
    out.optimizer = value.optimizer as OptimizerName;
  }
  for (const key of ["lr", "momentum", "weight_decay", "batch_size", "max_steps", "seed"] as const) {
    const v = value[key];
    if (typeof v === "number" && Number.isFinite(v)) out[key] = v;
  }
  if (typeof value.nesterov === "boolean") out.nesterov = value.nesterov;
  return out;
}

/**
 * A setup from untrusted JSON: a run body or preset run ({network, dataset, training}),
 * or a bare network spec (dataset and training then come from `fallback`).
 */
export function parseSetup(value: unknown, fallback: Setup): Setup {
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
  const training = "training" in value ? normalizeTraining(value.training) : fallback.training;
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
