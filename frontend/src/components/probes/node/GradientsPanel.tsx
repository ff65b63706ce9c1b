// The gradients view: each layer's gradient norm on a log scale, the node's own marked,
// and a histogram of the node's gradient values.
import { num, statsOf } from "../../../probes/unpack";
import { fmt, ProbePanel } from "../ProbePanel";
import { Histogram } from "./Histogram";
import { panelOf, type ViewProps } from "./view";

function Norms({ norms, node }: { norms: Record<string, number | null>; node: string }) {
  const entries = Object.entries(norms).filter((e): e is [string, number] => e[1] !== null && e[1] > 0);
  if (entries.length === 0) return null;
  // Log scale: vanishing gradients are orders of magnitude apart.
  const logs = entries.map(([, v]) => Math.log10(v));
  const lo = Math.min(...logs) - 0.5;
  const hi = Math.max(...logs);
  return (
    <ul className="norms" aria-label="gradient norm per layer (log scale)" data-testid="gradients-norms">
      {entries.map(([id, v], i) => (
        <li key={id} className={id === node ? "current" : undefined}>
          <span className="norm-id">{id}</span>
          <span className="norm-bar">
            <span style={{ width: `${Math.max(2, (((logs[i] as number) - lo) / Math.max(hi - lo, 1e-9)) * 100)}%` }} />
          </span>
          <span className="norm-value">{fmt(v)}</span>
        </li>
      ))}
    </ul>
  );
}

export function GradientsPanel(props: ViewProps) {
  const { node } = props;
  return (
    <ProbePanel testId="panel-gradients" title="Gradients" what="gradients" {...panelOf("gradients", props)}>
      {(frame) => {
        const raw = frame.header.norms;
        const norms: Record<string, number | null> = {};
        if (typeof raw === "object" && raw !== null) for (const [k, v] of Object.entries(raw)) norms[k] = num(v);
        const stats = statsOf(frame.header);
        return (
          <>
            <p className="probe-note">gradient norm per layer, log scale (loss {fmt(num(frame.header.loss))})</p>
            <Norms norms={norms} node={node} />
            {stats.counts.length > 0 && <Histogram frame={frame} label={`gradient values of ${node}`} testId="gradients-histogram" />}
          </>
        );
      }}
    </ProbePanel>
  );
}
