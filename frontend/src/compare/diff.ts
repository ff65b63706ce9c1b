// How one run's setup differs from another's (the base run of a comparison): every
// training field, the dataset and its params, and the network when its structure differs
// (node positions and the spec's name do not count).
import type { RunConfig } from "../api/types";
import { structuralSpec } from "../graph/graph";

/** One field that differs; `network` carries the two networks' names (or "changed"). */
export interface Difference {
  field: string;
  from: string;
  to: string;
}

/** Training fields listed first, in this order; the rest follow by name. */
const FIRST = ["optimizer", "lr", "momentum", "nesterov", "weight_decay", "batch_size", "seed", "max_steps"];

/** A value as the legend writes it ("–": the run has no such field). */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function fieldOrder(a: string, b: string): number {
  const [i, j] = [FIRST.indexOf(a), FIRST.indexOf(b)];
  if (i >= 0 || j >= 0) return (i < 0 ? FIRST.length : i) - (j < 0 ? FIRST.length : j);
  return a.localeCompare(b);
}

function recordDiff(prefix: string, base: Record<string, unknown>, other: Record<string, unknown>): Difference[] {
  const keys = [...new Set([...Object.keys(base), ...Object.keys(other)])].sort(fieldOrder);
  return keys
    .filter((k) => !sameValue(base[k], other[k]))
    .map((k) => ({ field: `${prefix}${k}`, from: formatValue(base[k]), to: formatValue(other[k]) }));
}

/** What `other` changes from `base`: training fields, then the dataset, then the network. */
export function configDiff(base: RunConfig, other: RunConfig): Difference[] {
  const out = recordDiff("", { ...base.training }, { ...other.training });
  if (base.dataset.name !== other.dataset.name) out.push({ field: "dataset", from: base.dataset.name, to: other.dataset.name });
  out.push(...recordDiff("dataset.", { ...base.dataset.params }, { ...other.dataset.params }));
  const structure = (n: RunConfig["network"]) => structuralSpec({ ...n, edges: n.edges ?? [] });
  if (!sameValue(structure(base.network), structure(other.network))) {
    const [a, b] = [base.network.name, other.network.name];
    const named = a && b && a !== b;
    out.push({ field: "network", from: named ? a : "", to: named ? b : "changed" });
  }
  return out;
}

function phrase(d: Difference): string {
  return d.from === "" ? `${d.field}: ${d.to}` : `${d.field}: ${d.from} → ${d.to}`;
}

/** The legend's line: the first `shown` differences and "+N more" ("same settings" when none). */
export function describeDiff(diffs: readonly Difference[], shown = 2): string {
  if (diffs.length === 0) return "same settings";
  const head = diffs.slice(0, shown).map(phrase).join(", ");
  return diffs.length > shown ? `${head} +${diffs.length - shown} more` : head;
}
