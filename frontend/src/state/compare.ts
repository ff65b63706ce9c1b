// The runs the page shows side by side: one entry per run, keyed by id, and the ones
// overlaid in the order picked (the first is the base the others are compared with).
// Pure functions over that slice; the store's actions apply them.
import type { RunConfig, RunStatus } from "../api/types";

/** The Okabe-Ito colour-blind-safe palette, in the order runs take their colours. */
export const COMPARE_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"] as const;

/** Runs overlaid at most (each has its own stream, its own colour, two curves per chart). */
export const MAX_COMPARED = 6;

/** A run the page shows: what its legend entry says, and its colour in every chart and view. */
export interface RunEntry {
  id: string;
  name: string;
  status: RunStatus;
  step: number;
  /** The best test accuracy evaluated so far (null before any evaluation). */
  bestTestAcc: number | null;
  /** Its network, dataset and training, once GET /api/runs/{id} answered. */
  config: RunConfig | null;
  color: string;
}

/** What is known of a run when it is picked; the rest comes from its record and stream. */
export type RunEntryInit = Pick<RunEntry, "id"> & Partial<Omit<RunEntry, "id" | "color">>;

export interface CompareSlice {
  runs: Readonly<Record<string, RunEntry>>;
  compare: readonly string[];
}

/** The first palette colour no other compared run has. */
export function freeColor(slice: CompareSlice, except: string | null = null): string {
  const taken = new Set(slice.compare.filter((id) => id !== except).map((id) => slice.runs[id]?.color));
  return COMPARE_COLORS.find((c) => !taken.has(c)) ?? COMPARE_COLORS[0];
}

/**
 * The slice with the run compared: last, or first (`base`) — a run already compared moves
 * there and keeps its colour. Null when MAX_COMPARED runs are compared already.
 */
export function withCompared(slice: CompareSlice, init: RunEntryInit, base = false): CompareSlice | null {
  const already = slice.compare.includes(init.id);
  if (!already && slice.compare.length >= MAX_COMPARED) return null;
  const known = slice.runs[init.id];
  const defined = Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) as RunEntryInit;
  const entry: RunEntry = {
    name: init.id,
    status: "created",
    step: 0,
    bestTestAcc: null,
    config: null,
    ...known,
    ...defined,
    color: already && known ? known.color : freeColor(slice),
  };
  const rest = slice.compare.filter((id) => id !== init.id);
  const compare = base ? [init.id, ...rest] : already ? slice.compare : [...rest, init.id];
  return { runs: { ...slice.runs, [init.id]: entry }, compare };
}

/** The slice without the run (no longer compared, no longer shown). */
export function withoutCompared(slice: CompareSlice, id: string): CompareSlice {
  if (!(id in slice.runs) && !slice.compare.includes(id)) return slice;
  const runs = { ...slice.runs };
  delete runs[id];
  return { runs, compare: slice.compare.filter((c) => c !== id) };
}

/** The slice with a known run's entry changed (nothing for a run not shown, or no change). */
export function withEntry(slice: CompareSlice, id: string, changes: Partial<Omit<RunEntry, "id">>): CompareSlice {
  const entry = slice.runs[id];
  if (!entry) return slice;
  const same = Object.entries(changes).every(([k, v]) => Object.is(entry[k as keyof RunEntry], v));
  return same ? slice : { ...slice, runs: { ...slice.runs, [id]: { ...entry, ...changes } } };
}

/** Compared runs shown side by side over the canvas, each with the same run-wide view. */
export interface ProbePair {
  /** The run-wide probe view (a probe name: "loss_landscape", "decision_boundary"). */
  view: string;
  /** The runs, in the order shown. */
  runs: readonly string[];
}

/** The pair without a run no longer compared: closed once fewer than two runs are left. */
export function pairWithout(pair: ProbePair | null, id: string): ProbePair | null {
  if (pair === null || !pair.runs.includes(id)) return pair;
  const runs = pair.runs.filter((r) => r !== id);
  return runs.length < 2 ? null : { ...pair, runs };
}
