// The metric rows of the current run, outside React: charts read the history once
// when they mount and then listen for appended rows. Bounded: past `limit` rows the
// older half is thinned to every other row.
import type { MetricsRow } from "../api/types";

export type MetricsEvent = { kind: "append"; rows: readonly MetricsRow[] } | { kind: "clear" };
export type MetricsListener = (event: MetricsEvent) => void;

export class MetricsLog {
  private rows: MetricsRow[] = [];
  private readonly listeners = new Set<MetricsListener>();

  constructor(private readonly limit = 20000) {}

  get all(): readonly MetricsRow[] {
    return this.rows;
  }

  get size(): number {
    return this.rows.length;
  }

  get lastStep(): number {
    return this.rows[this.rows.length - 1]?.step ?? -1;
  }

  subscribe(listener: MetricsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Add rows in step order; rows not after the last step are dropped as repeats. */
  append(rows: readonly MetricsRow[]): void {
    let last = this.lastStep;
    const fresh = rows.filter((r) => {
      if (r.step <= last) return false;
      last = r.step;
      return true;
    });
    if (fresh.length === 0) return;
    this.rows.push(...fresh);
    if (this.rows.length > this.limit) {
      const half = Math.floor(this.rows.length / 2);
      const older = this.rows.slice(0, half).filter((_, i) => i % 2 === 0);
      this.rows = [...older, ...this.rows.slice(half)];
    }
    for (const listener of this.listeners) listener({ kind: "append", rows: fresh });
  }

  clear(): void {
    this.rows = [];
    for (const listener of this.listeners) listener({ kind: "clear" });
  }
}
