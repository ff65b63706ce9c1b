// The effective receptive field: how much each input pixel sways the node's centre unit,
// against the field the architecture allows.
import { useMemo } from "react";
import { erfMeta, floats, type ProbeArray, type ProbeFrame } from "../../../probes/unpack";
import { erf as drawErf, type Ctx } from "../../../render/draw";
import { fmt, percent, ProbeCanvas, ProbePanel } from "../ProbePanel";
import { panelOf, WIDTH, type ViewProps } from "./view";

interface ErfData {
  frame: ProbeFrame;
  array: ProbeArray;
}

function drawErfMap(ctx: Ctx, { frame, array }: ErfData, width: number, height: number): void {
  const [h = 0, w = 0] = array.shape;
  const meta = erfMeta(frame.header);
  drawErf(ctx, floats(array), h, w, { width, height }, { box: meta.rfBox, centre: meta.centre, sigma: meta.sigma });
}

const px = (pair: [number, number] | null, digits = 2): string => (pair ? `${fmt(pair[0], digits + 1)} × ${fmt(pair[1], digits + 1)} px` : "–");

function Erf({ frame, node }: { frame: ProbeFrame; node: string }) {
  const array = frame.arrays.erf;
  const data = useMemo<ErfData | null>(() => (array && array.shape.length === 2 ? { frame, array } : null), [frame, array]);
  if (!data) return <p className="muted">This frame has no map.</p>;
  const [h = 1, w = 1] = data.array.shape;
  const scale = Math.min(200 / h, WIDTH / w);
  const meta = erfMeta(frame.header);
  return (
    <div className="erf">
      <ProbeCanvas
        data={data}
        draw={drawErfMap}
        width={Math.round(w * scale)}
        height={Math.round(h * scale)}
        label={`How much each input pixel sways the centre unit of ${node} (dark: not at all, yellow: most); white box: the theoretical receptive field; yellow ring: one sigma`}
        testId="erf-canvas"
      />
      <div className="colorbar" aria-hidden="true">
        <span>0</span>
        <span className="ramp viridis" />
        <span>peak</span>
      </div>
      <dl className="facts probe-facts">
        <dt title="the receptive field the architecture allows (white box)">theoretical field</dt>
        <dd data-testid="erf-rf-size">{meta.rfSize ? `${meta.rfSize[0]} × ${meta.rfSize[1]} px` : "–"}</dd>
        <dt title="spread of the effective field (standard deviation, rows × columns; yellow ring)">ERF σ</dt>
        <dd data-testid="erf-sigma">{px(meta.sigma)}</dd>
        <dt title="pixels holding 95% of the ERF's mass, as a share of the theoretical field's pixels">95% mass in</dt>
        <dd data-testid="erf-coverage">{meta.coverage === null ? "–" : `${percent(meta.coverage)} of the field`}</dd>
      </dl>
    </div>
  );
}

export function ErfPanel(props: ViewProps) {
  return (
    <ProbePanel testId="panel-erf" title="Effective receptive field" what="effective receptive field" {...panelOf("erf", props)}>
      {(frame) => <Erf frame={frame} node={props.node} />}
    </ProbePanel>
  );
}
