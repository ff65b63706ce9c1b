// A convolution (or a locally connected layer) as the matrix it multiplies its flattened
// input by, with the input side as an option where the probe takes one.
import { useMemo } from "react";
import { usePlayground } from "../../../context";
import { allowed, probeOption } from "../../../probes/topics";
import { useProbeOptions } from "../../../probes/useProbe";
import { floats, matrixCaption, matrixMeta, type ProbeFrame } from "../../../probes/unpack";
import { matrixMap, type Ctx } from "../../../render/draw";
import { matrixGrid, type MatrixGrid } from "../../../render/layout";
import { ParamSelect, square } from "../ParamSelect";
import { GridCanvas, ProbePanel } from "../ProbePanel";
import { panelOf, WIDTH, type ViewProps } from "./view";

/** Most height of the matrix's drawing; a taller one (at a pixel per entry) scrolls. */
const MATRIX_HEIGHT = 320;
/** Input sides the matrix is offered for, when the probe takes `size` (a convolution's, not a locally connected layer's own). */
const MATRIX_SIZES = [4, 6, 8] as const;

interface MatrixData {
  values: Float32Array;
  rows: number;
  cols: number;
  grid: MatrixGrid;
}

function drawMatrix(ctx: Ctx, d: MatrixData): void {
  matrixMap(ctx, d.values, d.rows, d.cols, d.grid);
}

function ConvMatrix({ frame, node }: { frame: ProbeFrame; node: string }) {
  const array = frame.arrays.matrix;
  const data = useMemo<MatrixData | null>(() => {
    const [rows = 0, cols = 0] = array?.shape ?? [];
    if (!array || array.shape.length !== 2 || rows === 0 || cols === 0) return null;
    return { values: floats(array), rows, cols, grid: matrixGrid(rows, cols, WIDTH, MATRIX_HEIGHT) };
  }, [array]);
  if (!data) return <p className="muted">This frame has no matrix.</p>;
  const meta = matrixMeta(frame.header);
  const caption = matrixCaption({ ...meta, rows: data.rows, cols: data.cols });
  return (
    <>
      <div className="matrix-scroll" style={{ maxHeight: MATRIX_HEIGHT + 2 }}>
        <GridCanvas
          data={data}
          draw={drawMatrix}
          label={`${node} as the matrix it multiplies its flattened input by: a row per output, a column per input (blue: negative, orange: positive, grey: zero)`}
          testId="conv-matrix-canvas"
          attrs={{ "data-cell": data.grid.cell }}
        />
      </div>
      <p className="probe-note" data-testid="conv-matrix-caption">
        {caption}
      </p>
      <p className="probe-note">rows: outputs, columns: inputs (blue &lt; 0 &lt; orange, grey: zero)</p>
    </>
  );
}

function MatrixSizePicker({ node }: { node: string }) {
  const conv = usePlayground((s) => s.nodes.find((n) => n.id === node)?.data.layerType === "conv2d");
  const option = usePlayground((s) => probeOption(s.catalog.probes, "conv_matrix", "node", "size"));
  const [options, setOptions] = useProbeOptions();
  if (!option || !conv) return null;
  const value = options.params.size ?? (typeof option.default === "number" ? option.default : 6);
  return (
    <div className="probe-controls">
      <ParamSelect
        id="conv-matrix-size"
        label="input side, at most"
        value={value}
        choices={allowed(option, MATRIX_SIZES)}
        text={square}
        onChange={(size) => setOptions({ params: { ...options.params, size } })}
      />
    </div>
  );
}

export function ConvMatrixPanel(props: ViewProps) {
  return (
    <ProbePanel testId="panel-conv-matrix" title="Matrix" what="matrix" {...panelOf("conv_matrix", props)} extra={<MatrixSizePicker node={props.node} />}>
      {(frame) => <ConvMatrix frame={frame} node={props.node} />}
    </ProbePanel>
  );
}
