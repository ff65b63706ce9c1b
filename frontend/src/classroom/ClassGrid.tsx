// The class at a glance: one row per student with their newest run's loss curve, status,
// step and test accuracy; a header click sorts by that column (again: the other way). On
// the teacher's page each run can be spotlighted (shown full screen for the projector); a
// student's shared grid is the same table without that.
import { useState } from "react";
import { percent } from "../components/probes/ProbePanel";
import { nextSort, sortRows, type GridRow, type GridSort, type SortKey } from "./grid";
import { Sparkline } from "./Sparkline";

interface Column {
  key: SortKey | null;
  label: string;
  title: string;
}

const COLUMNS: Column[] = [
  { key: "name", label: "Student", title: "Sort by name" },
  { key: null, label: "Loss", title: "" },
  { key: null, label: "Status", title: "" },
  { key: "step", label: "Step", title: "Sort by step" },
  { key: "accuracy", label: "Test acc.", title: "Sort by best test accuracy" },
];

interface Props {
  rows: readonly GridRow[];
  /** The teacher's: spotlight this row's run (absent: a student's read-only grid). */
  onSpotlight?: (row: GridRow) => void;
  /** The run spotlighted now, marked. */
  spotlight?: string | null;
}

export function ClassGrid({ rows, onSpotlight, spotlight = null }: Props) {
  const [sort, setSort] = useState<GridSort>({ key: "name", descending: false });
  const shown = sortRows(rows, sort);
  const columns = onSpotlight ? [...COLUMNS, { key: null, label: "", title: "" }] : COLUMNS;
  return (
    <table className="class-grid" data-testid="class-grid" data-sort={sort.key} data-descending={sort.descending} data-readonly={!onSpotlight || undefined}>
      <thead>
        <tr>
          {columns.map((column, i) => {
            const key = column.key;
            if (key === null) return <th key={`${column.label}-${i}`}>{column.label}</th>;
            const active = sort.key === key;
            return (
              <th key={column.label} aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}>
                <button type="button" onClick={() => setSort(nextSort(sort, key))} title={column.title} data-testid={`class-grid-sort-${key}`}>
                  {column.label}
                  {active ? (sort.descending ? " ▾" : " ▴") : ""}
                </button>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {shown.length === 0 && (
          <tr>
            <td colSpan={columns.length} className="muted" data-testid="class-grid-empty">
              No one has joined yet.
            </td>
          </tr>
        )}
        {shown.map((row) => (
          <tr
            key={row.memberId}
            data-testid="class-grid-row"
            data-student={row.name}
            data-status={row.status ?? "none"}
            data-run={row.runId ?? undefined}
            className={row.runId !== null && row.runId === spotlight ? "spotlit" : undefined}
          >
            <td className="class-grid-name">{row.name}</td>
            {row.runId === null ? (
              <td colSpan={columns.length - 1} className="muted" data-testid="class-grid-status">
                no run yet
              </td>
            ) : (
              <>
                <td>
                  <Sparkline values={row.loss} testId="class-grid-loss" />
                </td>
                <td data-testid="class-grid-status">
                  <span className={`badge status-${row.status ?? ""}`}>{row.status}</span>
                  {row.runs > 1 && <small className="muted"> ({row.runs} runs)</small>}
                </td>
                <td className="counter" data-testid="class-grid-step" data-step={row.step ?? ""}>
                  {row.step}
                  {row.maxSteps !== null && <small className="muted"> / {row.maxSteps}</small>}
                </td>
                <td className="counter" data-testid="class-grid-acc" title={`best ${percent(row.bestTestAcc)}`}>
                  {percent(row.testAcc)}
                </td>
                {onSpotlight && (
                  <td>
                    <button
                      type="button"
                      onClick={() => onSpotlight(row)}
                      aria-pressed={row.runId === spotlight}
                      data-testid="class-grid-spotlight"
                      title={`Show ${row.name}'s network and curves full screen`}
                    >
                      Spotlight
                    </button>
                  </td>
                )}
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
