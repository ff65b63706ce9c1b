// What the compare legend says of each run beyond its status: its network's size (the
// server's parameter count) and how much its train loss jumps from one point to the next.
import type { MetricsRow } from "../api/types";

/** Train-loss points the step-to-step spread is measured over (the most recent ones held). */
export const SPREAD_POINTS = 50;

/** "627 parameters", "33,280 parameters", "1 parameter". */
export function paramsLine(total: number): string {
  return `${total.toLocaleString("en-US")} ${total === 1 ? "parameter" : "parameters"}`;
}

/** The last `n` finite train losses of the rows, oldest first. */
export function recentTrainLosses(rows: readonly MetricsRow[], n = SPREAD_POINTS): number[] {
  const out: number[] = [];
  // From the end: a long history is not walked whole for its last few points.
  for (let i = rows.length - 1; i >= 0 && out.length < n; i--) {
    const v = rows[i]?.train_loss;
    if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  }
  return out.reverse();
}

/**
 * The standard deviation (population: over n, not n - 1) of the successive differences
 * v[i+1] - v[i]; null for fewer than three values (two differences), where it says nothing.
 */
export function stepSpread(values: readonly number[]): number | null {
  if (values.length < 3) return null;
  const diffs = values.slice(1).map((v, i) => v - (values[i] as number));
  const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const variance = diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / diffs.length;
  return Math.sqrt(variance);
}

/** "step-to-step spread 0.31": two significant digits, so that batch 1's and a full batch's both read. */
export function spreadLine(spread: number | null): string {
  return spread === null ? "step-to-step spread …" : `step-to-step spread ${spread === 0 ? "0" : spread.toPrecision(2)}`;
}
