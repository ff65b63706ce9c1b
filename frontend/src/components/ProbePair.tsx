// Compared runs' run-wide view side by side, over the canvas: each column headed by its
// run's name in its colour and fed by that run's own probe hub (residual-vs-plain: the two
// loss landscapes; wide-vs-deep: the two decision boundaries). The drawings take the room
// the canvas has, and never less than the run views' column gives them.
import "./ProbePair.css";
import { useEffect, useMemo, useRef, useState, type ComponentType } from "react";
import { useHiddenPanels } from "../classroom/classState";
import { PAIR_MIN_SIZE, pairPlotSize } from "../compare/pairSize";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { ProbeHubContext, type RunProbes } from "../probes/hubContext";
import { runViewOf, type RunViewProps } from "./probes/RunPanels";

/**
 * The test ids' prefix of the pair view of a probe: "probe-pair", and "landscape-pair" for the
 * loss landscape, whose ids browser tests used before the view was generic.
 */
export function pairTestId(view: string): string {
  return view === "loss_landscape" ? "landscape-pair" : "probe-pair";
}

interface ColumnProps {
  id: string;
  size: number;
  prefix: string;
  Panel: ComponentType<RunViewProps>;
}

function PairColumn({ id, size, prefix, Panel }: ColumnProps) {
  const { comparison, probes } = usePlaygroundContext();
  const entry = usePlayground((s) => s.runs[id]);
  // The own run's frames are the playground's; another run's, its own hub's.
  const own = usePlayground((s) => s.run.id === id);
  const hub = own ? probes : comparison.hubOf(id);
  const scoped = useMemo<RunProbes | null>(() => (hub === null ? null : { hub, runId: id }), [hub, id]);
  if (!entry || scoped === null) return null;
  return (
    <div className="pair-column" data-testid={`${prefix}-${id}`} data-run={id}>
      <h3 className="pair-name" style={{ color: entry.color, borderColor: entry.color }} data-testid={`${prefix}-name-${id}`}>
        {entry.name}
        <span className="muted"> · {entry.status}, step {entry.step}</span>
      </h3>
      <ProbeHubContext.Provider value={scoped}>
        <Panel size={size} beside />
      </ProbeHubContext.Provider>
    </div>
  );
}

/** The size each drawing gets: the room of `body`, followed as it changes. */
function usePairSize(shown: boolean, columns: number, beside: number) {
  const body = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState(PAIR_MIN_SIZE);
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize(pairPlotSize(el.clientWidth, el.clientHeight, columns, beside)));
    observer.observe(el);
    return () => observer.disconnect();
  }, [shown, columns, beside]);
  return { body, size };
}

export function ProbePair() {
  const pair = usePlayground((s) => s.pair);
  const { showPair } = useActions();
  const hidden = useHiddenPanels();
  const view = pair === null || hidden.has(pair.view) ? null : runViewOf(pair.view);
  const { body, size } = usePairSize(view !== null, pair?.runs.length ?? 2, view?.beside ?? 0);
  if (pair === null || view === null) return null;
  const prefix = pairTestId(pair.view);
  const heading = `${view.many.charAt(0).toUpperCase()}${view.many.slice(1)} side by side`;
  return (
    <section className="probe-pair" data-testid={prefix} data-view={pair.view} data-size={size} aria-label={`The runs' ${view.many} side by side`}>
      <header className="pair-head">
        <h2>{heading}</h2>
        <span className="muted">{view.note}</span>
        <button type="button" onClick={() => showPair(null)} data-testid={`${prefix}-close`} title="Back to the canvas">
          Close
        </button>
      </header>
      <div className="pair-columns" ref={body}>
        {pair.runs.map((id) => (
          <PairColumn key={id} id={id} size={size} prefix={prefix} Panel={view.Panel} />
        ))}
      </div>
    </section>
  );
}
