// The confusion matrix of the test set (image classification), with the accuracy.
import { useMemo } from "react";
import { floats, num, type ProbeFrame } from "../../../probes/unpack";
import { confusion as drawConfusion, type Ctx } from "../../../render/draw";
import { percent, PRESENTATION_ZOOM, ProbeCanvas, ProbePanel } from "../ProbePanel";
import { useClassNames } from "./dataset";
import { RUN_SIZE } from "./size";

interface ConfusionData {
  matrix: Float32Array;
  n: number;
  labels: readonly string[];
}

function drawConfusionData(ctx: Ctx, d: ConfusionData, width: number): void {
  drawConfusion(ctx, d.matrix, d.n, width, d.labels);
}

function Confusion({ frame }: { frame: ProbeFrame }) {
  const matrix = frame.arrays.matrix;
  const labels = useClassNames();
  const data = useMemo<ConfusionData | null>(
    () => (matrix && matrix.shape.length === 2 ? { matrix: floats(matrix), n: matrix.shape[0] ?? 0, labels } : null),
    [matrix, labels],
  );
  if (!data) return <p className="muted">This frame has no matrix.</p>;
  return (
    <>
      <ProbeCanvas
        data={data}
        draw={drawConfusionData}
        width={RUN_SIZE}
        height={RUN_SIZE}
        label="Test-set confusion matrix: rows are the true classes, columns the predicted ones, shaded by each row's share"
        testId="confusion-canvas"
        presentationZoom={PRESENTATION_ZOOM}
      />
      <p className="probe-note">
        rows: true, columns: predicted · accuracy <strong data-testid="confusion-accuracy">{percent(num(frame.header.accuracy))}</strong>
      </p>
    </>
  );
}

export function ConfusionPanel() {
  return (
    <ProbePanel testId="panel-confusion" title="Confusion matrix" topic="confusion" what="confusion matrix" className="run-probe">
      {(frame) => <Confusion frame={frame} />}
    </ProbePanel>
  );
}
