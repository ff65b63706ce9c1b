// The compared runs, above the charts: one entry per run in its colour (solid: train,
// dashed: test) with its status, step, best test accuracy, parameter count and loss
// spread, and how its setup differs from the base run's (the first picked). "Stop
// comparing" ends it.
import "./CompareLegend.css";
import { useMemo } from "react";
import { configDiff, describeDiff } from "../compare/diff";
import { usePlayground, usePlaygroundContext } from "../context";
import type { RunEntry } from "../state/compare";
import { percent } from "./probes/ProbePanel";
import { RunFacts } from "./RunFacts";

/** What the legend says of a run beside its name: "base", or how it differs from the base. */
export function differenceLine(entry: RunEntry, base: RunEntry | undefined): string {
  if (base === undefined || entry.id === base.id) return "base";
  if (entry.config === null || base.config === null) return "…";
  return describeDiff(configDiff(base.config, entry.config));
}

function Swatch({ color }: { color: string }) {
  return (
    <svg className="compare-swatch" width="26" height="12" viewBox="0 0 26 12" aria-hidden="true">
      <line x1="1" y1="3" x2="25" y2="3" stroke={color} strokeWidth="2.5" />
      <line x1="1" y1="9" x2="25" y2="9" stroke={color} strokeWidth="2.5" strokeDasharray="4 3" />
    </svg>
  );
}

export function CompareLegend() {
  const { comparison } = usePlaygroundContext();
  const compare = usePlayground((s) => s.compare);
  const runs = usePlayground((s) => s.runs);
  const ownId = usePlayground((s) => s.run.id);
  const entries = useMemo(() => compare.map((id) => runs[id]).filter((e): e is RunEntry => e !== undefined), [compare, runs]);
  if (entries.length === 0) return null;
  const base = entries[0];
  return (
    <section className="compare-legend" data-testid="compare-legend" data-runs={entries.length} aria-label="Compared runs">
      <ul>
        {entries.map((entry) => {
          const line = differenceLine(entry, base);
          return (
            <li
              key={entry.id}
              data-testid={`compare-legend-${entry.id}`}
              data-status={entry.status}
              data-step={entry.step}
              data-base={entry.id === base?.id}
              title={`${entry.name} (${entry.id})${entry.id === ownId ? ", this page's run" : ""}: ${line}`}
            >
              <Swatch color={entry.color} />
              <strong className="compare-name">{entry.name}</strong>
              <span className={`badge status-${entry.status}`}>{entry.status}</span>
              <span className="counter">step {entry.step}</span>
              <span className="counter" title="Best test accuracy so far">
                best {percent(entry.bestTestAcc)}
              </span>
              <RunFacts entry={entry} />
              <span className={entry.id === base?.id ? "compare-diff base" : "compare-diff"} data-testid={`compare-diff-${entry.id}`}>
                {line}
              </span>
              <button
                type="button"
                className="compare-remove"
                onClick={() => comparison.remove(entry.id)}
                title="Compare this run no more"
                aria-label={`Compare ${entry.name} no more`}
                data-testid={`compare-remove-${entry.id}`}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <div className="compare-side">
        <span className="compare-key" title="Each run's curves in its colour">
          {entries.length === 1 ? "tick another run in the runs list to compare" : "solid: train · dashed: test"}
        </span>
        <button type="button" className="compare-clear" onClick={() => comparison.clear()} data-testid="compare-clear" title="Back to this page's own run alone">
          stop comparing
        </button>
      </div>
    </section>
  );
}
