// The race's six racers, their default learning rates per function, and the request that
// races them (only the hyperparameters each optimizer takes: the server refuses any other).
import type { JsonSchema, OptimizerInfo, Params, RaceRacer, RaceRequest } from "../api/types";
import { classColour } from "../render/colormap";

export interface RacerDef {
  /** Stable id: test ids (`race-lr-<key>`) and the default table's columns. */
  key: string;
  label: string;
  optimizer: string;
  /** Set for the racers whose lesson is momentum; those get a momentum field. */
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  colour: string;
}

export const RACERS: readonly RacerDef[] = [
  { key: "sgd", label: "SGD", optimizer: "sgd" },
  { key: "momentum", label: "Momentum", optimizer: "sgd", momentum: 0.9 },
  { key: "nesterov", label: "Nesterov", optimizer: "sgd", momentum: 0.9, nesterov: true },
  { key: "rmsprop", label: "RMSProp", optimizer: "rmsprop" },
  { key: "adam", label: "Adam", optimizer: "adam" },
  // Decoupled weight decay is AdamW's difference from Adam; without it the two paths coincide.
  { key: "adamw", label: "AdamW", optimizer: "adamw", weightDecay: 0.01 },
].map((r, i) => ({ ...r, colour: classColour(i) }));

/** What the student can change per racer while the race runs. */
export interface RacerSettings {
  lr: number;
  /** null where the racer has no momentum field. */
  momentum: number | null;
}

type LrTable = Record<string, number>;

// Chosen by racing them (500 steps from each function's default start) so that every racer moves
// visibly and each function tells its story: on the quadratic (κ 10) one learning rate for the
// SGD family lets momentum beat plain descent; on Rosenbrock only momentum and Adam reach the
// valley's end; on the saddle plain SGD lingers while the others escape.
const DEFAULT_LRS: Record<string, LrTable> = {
  quadratic: { sgd: 0.02, momentum: 0.02, nesterov: 0.02, rmsprop: 0.01, adam: 0.05, adamw: 0.05 },
  rosenbrock: { sgd: 0.001, momentum: 0.001, nesterov: 0.001, rmsprop: 0.01, adam: 0.1, adamw: 0.1 },
  beale: { sgd: 0.01, momentum: 0.002, nesterov: 0.002, rmsprop: 0.01, adam: 0.05, adamw: 0.05 },
  saddle: { sgd: 0.005, momentum: 0.005, nesterov: 0.005, rmsprop: 0.01, adam: 0.02, adamw: 0.02 },
  himmelblau: { sgd: 0.002, momentum: 0.002, nesterov: 0.002, rmsprop: 0.05, adam: 0.1, adamw: 0.1 },
  booth: { sgd: 0.005, momentum: 0.005, nesterov: 0.005, rmsprop: 0.1, adam: 0.2, adamw: 0.2 },
};

/** For a function the table does not know (the server may add one): small, safe steps. */
const FALLBACK_LR = 0.001;

export function defaultSettings(fn: string): RacerSettings[] {
  const table = DEFAULT_LRS[fn];
  return RACERS.map((r) => ({ lr: table?.[r.key] ?? FALLBACK_LR, momentum: r.momentum ?? null }));
}

/** The function's params at their schema defaults. */
export function defaultParams(schema: JsonSchema): Params {
  const params: Params = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (typeof prop.default === "number") params[name] = prop.default;
  }
  return params;
}

/**
 * Whether an optimizer takes a hyperparameter, by GET /api/optimizers' params_schema;
 * `true` while the registry is not loaded (the server's 422 then says what is wrong).
 */
export function takes(optimizers: readonly OptimizerInfo[], name: string, field: string): boolean {
  const entry = optimizers.find((o) => o.name === name);
  return entry ? field in (entry.params_schema.properties ?? {}) : true;
}

export interface RaceInput {
  fn: string;
  params: Params;
  start: [number, number];
  steps: number;
  settings: readonly RacerSettings[];
}

export function raceRequest(input: RaceInput, optimizers: readonly OptimizerInfo[]): RaceRequest {
  const numeric: Record<string, number> = {};
  for (const [k, v] of Object.entries(input.params)) if (typeof v === "number") numeric[k] = v;
  return {
    function: input.fn,
    params: numeric,
    start: input.start,
    steps: input.steps,
    optimizers: RACERS.map((r, i) => {
      const s = input.settings[i] ?? { lr: FALLBACK_LR, momentum: null };
      const racer: RaceRacer = { name: r.optimizer, label: r.label, lr: s.lr };
      const extra: Partial<RaceRacer> = {
        momentum: s.momentum ?? undefined,
        nesterov: r.nesterov,
        weight_decay: r.weightDecay,
      };
      for (const [field, value] of Object.entries(extra)) {
        if (value !== undefined && takes(optimizers, r.optimizer, field)) Object.assign(racer, { [field]: value });
      }
      return racer;
    }),
  };
}
