// The decision boundary: the network's output over the input plane (2-D sets), with the
// dataset's train (filled) and test (hollow) points.
import { useMemo } from "react";
import { pointsInPlane, type PointsPreview } from "../../../data/preview";
import { usePreview } from "../../../hooks/usePreview";
import { boundaryMeta, floats, type ProbeFrame } from "../../../probes/unpack";
import { boundary as drawBoundary, type BoundaryKind, type Ctx } from "../../../render/draw";
import { PRESENTATION_ZOOM, ProbeCanvas, ProbePanel } from "../ProbePanel";
import { useDataset } from "./dataset";
import { RUN_SIZE } from "./size";

interface BoundaryData {
  output: Float32Array;
  classes: Float32Array | null;
  r: number;
  kind: BoundaryKind;
  extent: number;
  /** The dataset's points (the data panel's preview, fetched once per dataset + params). */
  points: PointsPreview | null;
}

function drawBoundaryData(ctx: Ctx, d: BoundaryData, width: number): void {
  drawBoundary(ctx, d.output, d.classes, d.r, d.kind, width, d.points, d.extent);
}

function Boundary({ frame, size }: { frame: ProbeFrame; size: number }) {
  const dataset = useDataset();
  const meta = boundaryMeta(frame.header);
  const output = frame.arrays.output;
  const classes = frame.arrays.classes;
  const nClasses = dataset?.n_classes ?? 0;
  const probability = meta.loss === "cross_entropy" || meta.loss === "bce";
  const kind: BoundaryKind = !probability ? "value" : meta.loss === "cross_entropy" && nClasses > 2 ? "multiclass" : "binary";
  const preview = usePreview();
  const points = preview.status === "ready" && preview.preview.kind === "points" ? preview.preview : null;
  const extent = meta.extent;
  const data = useMemo<BoundaryData | null>(() => {
    if (!output || output.shape.length !== 2) return null;
    return { output: floats(output), classes: classes ? floats(classes) : null, r: output.shape[0] ?? 0, kind, extent, points };
  }, [output, classes, kind, extent, points]);
  if (!data) return <p className="muted">This frame has no output map.</p>;
  const shown = points ? pointsInPlane(points.train, extent) + pointsInPlane(points.test, extent) : 0;
  const names = dataset?.class_names ?? [];
  const legend =
    kind === "binary"
      ? `blue: ${names[0] ?? "class 0"} · orange: ${names[1] ?? "class 1"}`
      : kind === "multiclass"
        ? "colour: predicted class, paler where unsure"
        : "the network's output (dark: low, yellow: high)";
  return (
    <>
      <ProbeCanvas
        data={data}
        draw={drawBoundaryData}
        width={size}
        height={size}
        label={`The network's output over the input plane [-${meta.extent}, ${meta.extent}]²; ${legend}; dark line: where the predicted class changes`}
        testId="boundary-canvas"
        presentationZoom={PRESENTATION_ZOOM}
        attrs={{ "data-points": shown }}
      />
      <p className="probe-note" data-testid="boundary-legend">
        {legend}; x, y in [−{meta.extent}, {meta.extent}]
        {points ? `; ● train, ○ test (${shown})` : preview.status === "loading" ? "; loading the points…" : ""}
      </p>
    </>
  );
}

/** The network's output over the plane, with the dataset's train (filled) and test (hollow) points. */
export function DecisionBoundaryPanel({ size = RUN_SIZE }: { size?: number }) {
  return (
    <ProbePanel testId="panel-decision-boundary" title="Decision boundary" topic="decision_boundary" what="decision boundary" className="run-probe">
      {(frame) => <Boundary frame={frame} size={size} />}
    </ProbePanel>
  );
}
