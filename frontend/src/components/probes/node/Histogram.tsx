// A histogram of a frame's values with its range under it (activations, weights, gradients).
import { statsOf, type ProbeFrame } from "../../../probes/unpack";
import { histogram, type Ctx } from "../../../render/draw";
import { fmt, ProbeCanvas } from "../ProbePanel";
import { WIDTH } from "./view";

function drawStatsHistogram(ctx: Ctx, frame: ProbeFrame, width: number, height: number): void {
  const stats = statsOf(frame.header);
  histogram(ctx, stats.edges, stats.counts, width, height);
}

/** The frame's histogram (its header's edges and counts), or a note when it has no finite values. */
export function Histogram({ frame, label, testId }: { frame: ProbeFrame; label: string; testId: string }) {
  const stats = statsOf(frame.header);
  if (stats.counts.length === 0) return <p className="muted">No finite values.</p>;
  return (
    <figure className="probe-figure">
      <ProbeCanvas data={frame} draw={drawStatsHistogram} width={WIDTH} height={64} label={label} testId={testId} />
      <figcaption className="axis">
        <span>{fmt(stats.edges[0])}</span>
        <span>{label}</span>
        <span>{fmt(stats.edges[stats.edges.length - 1])}</span>
      </figcaption>
    </figure>
  );
}
