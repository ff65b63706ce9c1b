// The feature-maps view: the node's channels for one test sample, a cell each.
import { useMemo } from "react";
import { floats, num, type ProbeArray, type ProbeFrame } from "../../../probes/unpack";
import { VIRIDIS } from "../../../render/colormap";
import { channelGrid, type Ctx } from "../../../render/draw";
import { gridLayout, type Grid } from "../../../render/layout";
import { GridCanvas, ProbePanel } from "../ProbePanel";
import { SamplePicker } from "./SamplePicker";
import { panelOf, WIDTH, type ViewProps } from "./view";

interface MapsData {
  array: ProbeArray;
  grid: Grid;
}

function drawMaps(ctx: Ctx, { array, grid }: MapsData): void {
  const [c = 0, h = 0, w = 0] = array.shape;
  // uint8 maps, 0..255 per channel: table indices as they are.
  channelGrid(ctx, array.dtype === "uint8" ? array.data : floats(array), c, h, w, grid, VIRIDIS, array.dtype === "uint8" ? "fixed" : "each");
}

function FeatureMaps({ frame, node }: { frame: ProbeFrame; node: string }) {
  const array = frame.arrays.maps;
  const data = useMemo<MapsData | null>(() => {
    if (!array || array.shape.length !== 3) return null;
    return { array, grid: gridLayout(array.shape[0] ?? 0, WIDTH, { maxCols: 8, maxCell: 72 }) };
  }, [array]);
  if (!data) return <p className="muted">This frame has no maps.</p>;
  const channels = num(frame.header.channels);
  const shown = array?.shape[0] ?? 0;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawMaps}
        label={`${shown} channels of ${node}, each scaled to its own range (dark: low, yellow: high)`}
        testId="feature-maps-canvas"
      />
      <p className="probe-note" data-testid="feature-maps-count">
        {channels !== null && channels > shown ? `${shown} of ${channels} channels` : `${shown} channels`}, each scaled to its own
        min–max
      </p>
    </>
  );
}

export function FeatureMapsPanel(props: ViewProps) {
  return (
    <ProbePanel testId="panel-feature-maps" title="Feature maps" what="feature maps" {...panelOf("feature_maps", props)} extra={<SamplePicker />}>
      {(frame) => <FeatureMaps frame={frame} node={props.node} />}
    </ProbePanel>
  );
}
