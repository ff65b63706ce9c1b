// Two compared runs' loss landscapes side by side, over the canvas: each headed by its
// run's name in its colour and fed by that run's own probe hub (the residual-vs-plain
// lesson: the plain network's surface against the residual one's). The drawings take the
// room the canvas has, and never less than the run views' column gives them.
import "./LandscapePair.css";
import { useEffect, useMemo, useRef, useState } from "react";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { ProbeHubContext, type RunProbes } from "../probes/hubContext";
import { PAIR_MIN_SIZE, pairPlotSize } from "../compare/pairSize";
import { LossLandscapePanel } from "./probes/LandscapePanel";

function PairColumn({ id, size }: { id: string; size: number }) {
  const { comparison, probes } = usePlaygroundContext();
  const entry = usePlayground((s) => s.runs[id]);
  // The own run's frames are the playground's; another run's, its own hub's.
  const own = usePlayground((s) => s.run.id === id);
  const hub = own ? probes : comparison.hubOf(id);
  const scoped = useMemo<RunProbes | null>(() => (hub === null ? null : { hub, runId: id }), [hub, id]);
  if (!entry || scoped === null) return null;
  return (
    <div className="pair-column" data-testid={`landscape-pair-${id}`} data-run={id}>
      <h3 className="pair-name" style={{ color: entry.color, borderColor: entry.color }} data-testid={`landscape-pair-name-${id}`}>
        {entry.name}
        <span className="muted"> · {entry.status}, step {entry.step}</span>
      </h3>
      <ProbeHubContext.Provider value={scoped}>
        <LossLandscapePanel size={size} beside />
      </ProbeHubContext.Provider>
    </div>
  );
}

export function LandscapePair() {
  const pair = usePlayground((s) => s.pair);
  const { showPair } = useActions();
  const body = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState(PAIR_MIN_SIZE);
  const shown = pair !== null;
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize(pairPlotSize(el.clientWidth, el.clientHeight)));
    observer.observe(el);
    return () => observer.disconnect();
  }, [shown]);
  if (pair === null) return null;
  return (
    <section className="landscape-pair" data-testid="landscape-pair" data-size={size} aria-label="Two runs' loss landscapes side by side">
      <header className="pair-head">
        <h2>Loss landscapes side by side</h2>
        <span className="muted">a slice through each run's weights, each on its own scale</span>
        <button type="button" onClick={() => showPair(null)} data-testid="landscape-pair-close" title="Back to the canvas">
          Close
        </button>
      </header>
      <div className="pair-columns" ref={body}>
        {pair.map((id) => (
          <PairColumn key={id} id={id} size={size} />
        ))}
      </div>
    </section>
  );
}
