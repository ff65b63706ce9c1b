// The per-neuron thumbnails drawn on the graph's hidden nodes (2-D sets): what each unit
// computes over the input plane, from the decision-boundary probe's frames.
import { useMemo } from "react";
import { useHiddenPanels } from "../../../classroom/classState";
import { usePlayground } from "../../../context";
import { GAPS } from "../../../graph/layout";
import { runProbeApplies } from "../../../probes/topics";
import { useProbe } from "../../../probes/useProbe";
import { boundaryMeta, floats, type ProbeArray } from "../../../probes/unpack";
import { thumbnails as drawThumbnails, type Ctx } from "../../../render/draw";
import { flatGrid, type Grid } from "../../../render/layout";
import { GridCanvas } from "../ProbePanel";

interface ThumbData {
  maps: Float32Array;
  units: number;
  r: number;
  grid: Grid;
}

function drawThumbData(ctx: Ctx, d: ThumbData): void {
  drawThumbnails(ctx, d.maps, d.units, d.r, d.grid);
}

/** Width of the thumbnails' block inside a node. */
const THUMBS_WIDTH = 104;
/** Its most height: it hangs below the node, within the gap to the next wrapped row. */
export const THUMBS_MAX_HEIGHT = GAPS.row - 12;

function thumbData(part: ProbeArray): ThumbData | null {
  const [units = 0, r = 0] = part.shape;
  if (part.shape.length !== 3 || units === 0) return null;
  return { maps: floats(part), units, r, grid: flatGrid(units, THUMBS_WIDTH, THUMBS_MAX_HEIGHT, { maxCell: 26, gap: 1 }) };
}

/** What each unit of a hidden node computes over the input plane, on the node itself (2-D sets). */
export function NeuronThumbnails({ id }: { id: string }) {
  const planar = usePlayground((s) =>
    runProbeApplies(s.catalog.probes, "decision_boundary", s.catalog.datasets.find((d) => d.name === s.dataset.name)),
  );
  const hasRun = usePlayground((s) => s.run.id !== null);
  // They are the decision boundary's frames: hidden with it when a class's teacher hides it.
  const hidden = useHiddenPanels().has("decision_boundary");
  const frame = useProbe(planar && hasRun && !hidden ? "decision_boundary" : null);
  const part = frame?.arrays[`neurons:${id}`];
  const data = useMemo(() => (part ? thumbData(part) : null), [part]);
  if (!frame || !data) return null;
  const total = boundaryMeta(frame.header).hidden[id] ?? data.units;
  return (
    <div className="neuron-thumbs" data-testid={`thumbs-${id}`} data-step={frame.header.step ?? ""}>
      <GridCanvas
        data={data}
        draw={drawThumbData}
        label={`What each of ${id}'s ${total > data.units ? `first ${data.units} of ${total}` : data.units} units computes over the input plane (blue: below zero, orange: above)`}
        className="thumbs-canvas"
        testId={`thumbs-canvas-${id}`}
      />
    </div>
  );
}
