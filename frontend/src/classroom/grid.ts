// The class's grid, as data: one row per student (GET /api/classes/{id}/grid), each with
// their newest run and its loss curve; and the order the teacher picked.
import type { ClassGridView, RunStatus } from "../api/types";

export interface GridRow {
  memberId: string;
  name: string;
  /** The student's newest run, or null before their first. */
  runId: string | null;
  runName: string | null;
  status: RunStatus | null;
  step: number | null;
  maxSteps: number | null;
  testAcc: number | null;
  bestTestAcc: number | null;
  /** Train loss over the run's history, evenly spaced (at most 48 points). */
  loss: number[];
  /** How many runs the student has made. */
  runs: number;
}

export type SortKey = "name" | "step" | "accuracy";
export interface GridSort {
  key: SortKey;
  descending: boolean;
}

/** One row per student, in the server's order (the page sorts). */
export function gridRows(view: ClassGridView): GridRow[] {
  return view.students.map((s) => ({
    memberId: s.member_id,
    name: s.name,
    runId: s.run_id,
    runName: s.run_name,
    status: s.status,
    step: s.step,
    maxSteps: s.max_steps,
    testAcc: s.test_acc,
    bestTestAcc: s.best_test_acc,
    // Only numbers: a loss the run has not reported yet is a gap, not a point.
    loss: s.loss.filter((v) => typeof v === "number" && Number.isFinite(v)),
    runs: s.runs,
  }));
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** The value a row sorts by; null (no run, no evaluation yet) always sorts last. */
function valueOf(row: GridRow, key: SortKey): number | null {
  return key === "step" ? row.step : key === "accuracy" ? row.bestTestAcc : null;
}

/** The rows in the chosen order (a new array); equal rows keep their order by name. */
export function sortRows(rows: readonly GridRow[], sort: GridSort): GridRow[] {
  const byName = (a: GridRow, b: GridRow) => collator.compare(a.name, b.name);
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (sort.key === "name") return sign * byName(a, b) || a.memberId.localeCompare(b.memberId);
    const va = valueOf(a, sort.key);
    const vb = valueOf(b, sort.key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
      return byName(a, b);
    }
    return sign * (va - vb) || byName(a, b);
  });
}

/** A click on a column's header: that column, or the other way round when it already sorts by it. */
export function nextSort(current: GridSort, key: SortKey): GridSort {
  if (current.key === key) return { key, descending: !current.descending };
  // Names read A to Z first; steps and accuracies highest first (who is ahead).
  return { key, descending: key !== "name" };
}
