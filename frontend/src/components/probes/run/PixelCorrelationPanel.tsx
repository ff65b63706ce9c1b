// Pixel correlation: how alike two pixels of the training images are against their
// distance, with the power law fitted to it (the locality convolutions are built on).
import { useMemo } from "react";
import { correlationCaption, correlationMeta, powerLaw, type CorrelationMeta, type ProbeFrame } from "../../../probes/unpack";
import { lineChart as drawLineChart, type Ctx } from "../../../render/draw";
import { correlationFrame, curvePoints, type ChartFrame } from "../../../render/layout";
import { PRESENTATION_ZOOM, ProbeCanvas, ProbePanel } from "../ProbePanel";
import { RUN_WIDTH } from "./size";

/** Height of the correlation chart (its width is the predictions grid's). */
const CORRELATION_HEIGHT = 130;

interface CorrelationData {
  meta: CorrelationMeta;
  frame: ChartFrame;
  curve: { x: number; y: number }[];
}

function drawCorrelation(ctx: Ctx, d: CorrelationData): void {
  drawLineChart(ctx, d.frame, d.meta.distances, d.meta.correlation, d.curve);
}

function PixelCorrelation({ frame }: { frame: ProbeFrame }) {
  const header = frame.header;
  const data = useMemo<CorrelationData | null>(() => {
    const meta = correlationMeta(header);
    if (meta.distances.length === 0) return null;
    const chart = correlationFrame(meta.distances, meta.correlation, RUN_WIDTH, CORRELATION_HEIGHT);
    const { fit } = meta;
    // The fit from the first distance out: towards 0 a power law runs off the chart.
    const curve = fit ? curvePoints((d) => powerLaw(fit, d), meta.distances[0] as number, chart.x[1]) : [];
    return { meta, frame: chart, curve };
  }, [header]);
  if (!data) return <p className="muted">This frame has no correlations.</p>;
  const { meta } = data;
  return (
    <>
      <ProbeCanvas
        data={data}
        draw={drawCorrelation}
        width={RUN_WIDTH}
        height={CORRELATION_HEIGHT}
        label={`Correlation of two pixels of the training images against how many pixels apart they are (dots); ${meta.fit ? "dashed: the fitted power law" : "no power law fitted"}`}
        testId="pixel-correlation-canvas"
        presentationZoom={PRESENTATION_ZOOM}
        attrs={{ "data-points": meta.distances.length }}
      />
      <p className="probe-note" data-testid="pixel-correlation-caption">
        {correlationCaption(meta)}
      </p>
      <p className="probe-note">
        y: correlation, x: distance in pixels{meta.images !== null ? ` · over ${meta.images} training images` : ""}
        {meta.fit ? " · dashed: c ≈ a·d^-b" : ""}
      </p>
    </>
  );
}

/** How alike two pixels are against their distance: the locality convolutions are built on. */
export function PixelCorrelationPanel() {
  return (
    <ProbePanel testId="panel-pixel-correlation" title="Pixel correlation" topic="pixel_correlation" what="pixel correlation" className="run-probe">
      {(frame) => <PixelCorrelation frame={frame} />}
    </ProbePanel>
  );
}
