// The results table, as data: one line per student's run (GET /api/classes/{id}/results),
// in the students' order by name, what they changed said in words, final metrics formatted.
import type { ClassResults, ResultRow } from "../api/types";

export interface ResultLine {
  key: string;
  student: string;
  runName: string;
  status: string;
  step: number;
  /** What the student changed against the pushed lesson ("no change" when nothing). */
  changed: string;
  trainLoss: string;
  testLoss: string;
  testAcc: string;
  bestTestAcc: string;
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

const loss = (v: number | null): string => (v === null || !Number.isFinite(v) ? "–" : v < 0.001 ? v.toExponential(2) : v.toFixed(3));
const acc = (v: number | null): string => (v === null || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(1)}%`);

export function resultLines(results: ClassResults): ResultLine[] {
  const sorted = [...results.rows].sort((a: ResultRow, b: ResultRow) => collator.compare(a.student, b.student) || a.run_id.localeCompare(b.run_id));
  return sorted.map((row) => ({
    key: row.run_id,
    student: row.student,
    runName: row.run_name,
    status: row.status,
    step: row.step,
    changed: row.changed.length === 0 ? "no change" : row.changed.join("; "),
    trainLoss: loss(row.train_loss),
    testLoss: loss(row.test_loss),
    testAcc: acc(row.test_acc),
    bestTestAcc: acc(row.best_test_acc),
  }));
}

/** The downloaded file's name: the lesson's, else the class's code. */
export function csvName(lesson: string | null, code: string): string {
  const base = (lesson ?? `class-${code}`).replace(/[^A-Za-z0-9._-]+/g, "-");
  return `${base}-results.csv`;
}
