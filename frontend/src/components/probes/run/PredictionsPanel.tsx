// The first test samples with the class the network predicts for each, right or wrong.
import { useMemo } from "react";
import { floats, nums, type ProbeFrame } from "../../../probes/unpack";
import { predictions as drawPredictions, type Ctx, type PredictionCell } from "../../../render/draw";
import { gridLayout, type Grid } from "../../../render/layout";
import { GridCanvas, ProbePanel } from "../ProbePanel";
import { useClassNames } from "./dataset";
import { RUN_WIDTH } from "./size";

interface PredictionsData {
  images: Float32Array;
  shape: number[];
  cells: PredictionCell[];
  grid: Grid;
  labels: readonly string[];
}

function drawPredictionsData(ctx: Ctx, d: PredictionsData): void {
  drawPredictions(ctx, d.images, d.shape, d.cells, d.grid, d.labels);
}

function Predictions({ frame }: { frame: ProbeFrame }) {
  const images = frame.arrays.images;
  const labels = useClassNames();
  const { pred, true: truth, prob } = frame.header;
  const data = useMemo<PredictionsData | null>(() => {
    if (!images || images.shape.length !== 4) return null;
    const p = nums(pred);
    const t = nums(truth);
    const q = nums(prob);
    const cells = p.map((v, i) => ({ pred: v ?? -1, truth: t[i] ?? -1, prob: q[i] ?? null }));
    const grid = gridLayout(Math.min(cells.length, images.shape[0] ?? 0), RUN_WIDTH, { maxCols: 4, maxCell: 52 });
    return { images: floats(images), shape: images.shape, cells, grid, labels };
  }, [images, pred, truth, prob, labels]);
  if (!data) return <p className="muted">This frame has no images.</p>;
  const right = data.cells.filter((c) => c.pred === c.truth).length;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawPredictionsData}
        label="The first test samples with the predicted class (green: right; red, dashed: wrong, with the true class)"
        testId="predictions-canvas"
      />
      <p className="probe-note">
        {right} of {data.cells.length} right
      </p>
    </>
  );
}

export function PredictionsPanel() {
  return (
    <ProbePanel testId="panel-predictions" title="Predictions" topic="predictions" what="predictions" className="run-probe">
      {(frame) => <Predictions frame={frame} />}
    </ProbePanel>
  );
}
