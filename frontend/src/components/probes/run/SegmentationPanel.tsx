// Segmentation: the network's masks beside the true ones for a few scenes (test scenes, or
// larger ones where the probe takes a size), and each class's IoU.
import { useMemo } from "react";
import { usePlayground } from "../../../context";
import { allowed, probeOption } from "../../../probes/topics";
import { useProbeOptions } from "../../../probes/useProbe";
import { num, scenesCaption, scenesOf, segmentationMeta, type ProbeFrame, type Scenes } from "../../../probes/unpack";
import { labelColour } from "../../../render/colormap";
import { segmentationScenes as drawScenes, type Ctx } from "../../../render/draw";
import { sceneGrid, type SceneGrid } from "../../../render/layout";
import { ParamSelect, square } from "../ParamSelect";
import { fmt, GridCanvas, ProbePanel } from "../ProbePanel";
import { useClassNames, useDataset } from "./dataset";
import { RUN_WIDTH } from "./size";

const SCENE_TITLES = ["image", "true", "predicted"] as const;
/** Sides of the larger scenes the view offers, when the probe takes `image_size` (0: the test set's). */
const SCENE_SIZES = [64, 96] as const;

interface ScenesData {
  scenes: Scenes;
  grid: SceneGrid;
}

function drawScenesData(ctx: Ctx, d: ScenesData): void {
  drawScenes(ctx, d.scenes, d.grid, SCENE_TITLES);
}

/** Each class's IoU over the set as a bar, with its mask colour, and their mean. */
function IouList({ iou, mean, names }: { iou: (number | null)[]; mean: number | null; names: readonly string[] }) {
  const count = iou.length > 0 ? iou.length : names.length;
  return (
    <div data-testid="segmentation-iou">
      <ul className="iou-list" aria-label="intersection over union per class">
        {Array.from({ length: count }, (_, k) => {
          const v = iou[k] ?? null;
          return (
            <li key={k} title={v === null ? "in neither the true nor the predicted masks" : undefined}>
              <span className="swatch" style={{ background: labelColour(k) }} aria-hidden="true" />
              <span className="iou-name">{names[k] ?? `class ${k}`}</span>
              <span className="norm-bar">
                <span style={{ width: `${Math.max(0, Math.min(1, v ?? 0)) * 100}%` }} />
              </span>
              <span className="iou-value">{fmt(v, 2)}</span>
            </li>
          );
        })}
      </ul>
      <p className="probe-note">
        mean IoU <strong data-testid="segmentation-mean-iou">{fmt(mean, 2)}</strong>
      </p>
    </div>
  );
}

function Segmentation({ frame }: { frame: ProbeFrame }) {
  const dataset = useDataset();
  const names = useClassNames();
  const meta = segmentationMeta(frame.header);
  // The side the network trained on: the page's dataset setting, else the dataset's default.
  const setSide = usePlayground((s) => num(s.dataset.params.image_size));
  const testSide = setSide ?? dataset?.input_shape?.[dataset.input_shape.length - 1] ?? null;
  const data = useMemo<ScenesData | null>(() => {
    const scenes = scenesOf(frame.arrays);
    return scenes ? { scenes, grid: sceneGrid(scenes.k, scenes.h, scenes.w, RUN_WIDTH) } : null;
  }, [frame.arrays]);
  if (!data) return <p className="muted">This frame has no scenes.</p>;
  const { k, h, w } = data.scenes;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawScenesData}
        label={`${k} scenes, each its image, its true label map and the network's predicted one (grey: background, a colour per shape)`}
        testId="segmentation-canvas"
        attrs={{ "data-scenes": k, "data-side": w, "data-image-size": meta.imageSize ?? "" }}
      />
      <p className="probe-note" data-testid="segmentation-caption">
        {scenesCaption(k, h, w, testSide)}
      </p>
      <IouList iou={meta.iou} mean={meta.meanIou} names={names} />
    </>
  );
}

/** Test scenes or, where the probe takes a size, larger ones made of them than it trained on. */
function SceneSizePicker() {
  const option = usePlayground((s) => probeOption(s.catalog.probes, "segmentation", "run", "image_size"));
  const [options, setOptions] = useProbeOptions();
  if (!option) return null;
  return (
    <div className="probe-controls">
      <ParamSelect
        id="segmentation-size"
        label="scenes"
        value={options.params.image_size ?? 0}
        // 0: the test set's own scenes.
        choices={[0, ...allowed(option, SCENE_SIZES)]}
        text={(n) => (n === 0 ? "test set" : square(n))}
        onChange={(image_size) => setOptions({ params: { ...options.params, image_size } })}
      />
    </div>
  );
}

/** The network's masks beside the true ones, and how well each class overlaps (IoU). */
export function SegmentationPanel() {
  return (
    <ProbePanel
      testId="panel-segmentation"
      title="Segmentation"
      topic="segmentation"
      what="predicted masks"
      className="run-probe"
      extra={<SceneSizePicker />}
    >
      {(frame) => <Segmentation frame={frame} />}
    </ProbePanel>
  );
}
