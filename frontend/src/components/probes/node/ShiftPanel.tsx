// The shift test: the node's maps for a test image and for it moved sideways. Do they move
// with it (equivariance), and how much do they change? The shift is an option.
import { useMemo } from "react";
import { usePlayground } from "../../../context";
import { allowed, probeOption } from "../../../probes/topics";
import { useProbeOptions } from "../../../probes/useProbe";
import { shiftCaption, shiftImagesOf, shiftMeta, type ProbeFrame, type ShiftImages } from "../../../probes/unpack";
import { shiftPairs, type Ctx } from "../../../render/draw";
import { sceneGrid, type SceneGrid } from "../../../render/layout";
import { ParamSelect } from "../ParamSelect";
import { GridCanvas, ProbePanel } from "../ProbePanel";
import { SamplePicker } from "./SamplePicker";
import { panelOf, WIDTH, type ViewProps } from "./view";

/** Shifts the view offers (the probe takes 1..16; the smallest images are 8 px wide). */
const SHIFT_PIXELS = [1, 2, 3, 4] as const;
/** Largest cell of the shift test's drawing: five rows of two stay under the panel's other views' height. */
const SHIFT_CELL = 64;

interface ShiftData {
  images: ShiftImages;
  grid: SceneGrid;
  titles: readonly [string, string];
}

function drawShift(ctx: Ctx, d: ShiftData): void {
  shiftPairs(ctx, d.images, d.grid, d.titles);
}

function Shift({ frame, node }: { frame: ProbeFrame; node: string }) {
  const meta = shiftMeta(frame.header);
  const pixels = meta.pixels;
  const data = useMemo<ShiftData | null>(() => {
    const images = shiftImagesOf(frame.arrays);
    if (!images) return null;
    // A row for the inputs, one per channel sent.
    const grid = sceneGrid(images.k + 1, images.h, images.w, WIDTH, { columns: 2, maxCell: SHIFT_CELL });
    return { images, grid, titles: ["image", `moved ${pixels ?? "?"} px`] };
  }, [frame.arrays, pixels]);
  if (!data) return <p className="muted">This frame has no maps.</p>;
  const { k, w, mw } = data.images;
  const fraction = pixels !== null && w > 0 ? (pixels * mw) / w : null;
  const channels = meta.channels ?? k;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawShift}
        label={`A test image and the same image moved right (top), then ${k} channels of ${node} for each (dark: low, yellow: high; each row on one scale)`}
        testId="shift-canvas"
        attrs={{ "data-channels": k, "data-pixels": pixels ?? "" }}
      />
      <p className="probe-note" data-testid="shift-caption">
        {shiftCaption(meta, fraction)}
      </p>
      <p className="probe-note">
        top: the input; below: {channels > k ? `${k} of ${channels}` : k} channels of {node}, each row on one scale
      </p>
    </>
  );
}

function ShiftPixelsPicker() {
  const option = usePlayground((s) => probeOption(s.catalog.probes, "shift", "node", "pixels"));
  const [options, setOptions] = useProbeOptions();
  if (!option) return null;
  const value = options.params.pixels ?? (typeof option.default === "number" ? option.default : 1);
  return (
    <ParamSelect
      id="shift-pixels"
      label="shift"
      value={value}
      choices={allowed(option, SHIFT_PIXELS)}
      text={(n) => `${n} px`}
      onChange={(pixels) => setOptions({ params: { ...options.params, pixels } })}
    />
  );
}

/** The node's maps for an image and for it moved sideways: do they move with it (equivariance), and how much do they change? */
export function ShiftPanel(props: ViewProps) {
  return (
    <ProbePanel
      testId="panel-shift"
      title="Shift test"
      what="shift test"
      {...panelOf("shift", props)}
      extra={
        <SamplePicker prefix="shift">
          <ShiftPixelsPicker />
        </SamplePicker>
      }
    >
      {(frame) => <Shift frame={frame} node={props.node} />}
    </ProbePanel>
  );
}
