// The weights view: a conv layer's filters, the weights' histogram, count, norm and spread.
import { useMemo } from "react";
import { floats, num, statsOf, type ProbeArray } from "../../../probes/unpack";
import { BLUE_ORANGE } from "../../../render/colormap";
import { channelGrid, type Ctx } from "../../../render/draw";
import { gridLayout, type Grid } from "../../../render/layout";
import { fmt, GridCanvas, ProbePanel } from "../ProbePanel";
import { Histogram } from "./Histogram";
import { panelOf, WIDTH, type ViewProps } from "./view";

interface FiltersData {
  values: Float32Array;
  count: number;
  kh: number;
  kw: number;
  grid: Grid;
}

function drawFilters(ctx: Ctx, d: FiltersData): void {
  channelGrid(ctx, d.values, d.count, d.kh, d.kw, d.grid, BLUE_ORANGE, "shared");
}

/** The first input channel of each conv filter [out, in, kh, kw], on one shared signed scale. */
function Filters({ array }: { array: ProbeArray }) {
  const data = useMemo<FiltersData | null>(() => {
    const [out = 0, inputs = 0, kh = 0, kw = 0] = array.shape;
    if (array.shape.length !== 4 || out === 0 || inputs === 0) return null;
    const all = floats(array);
    const values = new Float32Array(out * kh * kw);
    for (let o = 0; o < out; o++) values.set(all.subarray(o * inputs * kh * kw, o * inputs * kh * kw + kh * kw), o * kh * kw);
    return { values, count: out, kh, kw, grid: gridLayout(out, WIDTH, { maxCols: 8, maxCell: 32 }) };
  }, [array]);
  if (!data) return null;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawFilters}
        label="Each filter's weights on the first input channel (blue: negative, orange: positive)"
        testId="weights-filters"
      />
      <p className="probe-note">filters on input channel 0 (blue &lt; 0 &lt; orange)</p>
    </>
  );
}

export function WeightsPanel(props: ViewProps) {
  return (
    <ProbePanel testId="panel-weights" title="Weights" what="weights" {...panelOf("weights", props)}>
      {(frame) => {
        const stats = statsOf(frame.header);
        const filters = frame.arrays.filters;
        return (
          <>
            {filters && <Filters array={filters} />}
            <Histogram frame={frame} label="weight values" testId="weights-histogram" />
            <dl className="facts probe-facts">
              <dt>count</dt>
              <dd>{fmt(num(frame.header.count), 6)}</dd>
              <dt>norm</dt>
              <dd data-testid="weights-norm">{fmt(num(frame.header.norm))}</dd>
              <dt>mean ± std</dt>
              <dd>
                {fmt(stats.mean)} ± {fmt(stats.std)}
              </dd>
            </dl>
          </>
        );
      }}
    </ProbePanel>
  );
}
