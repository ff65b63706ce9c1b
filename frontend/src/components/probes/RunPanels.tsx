// The run's views beside the curves: the decision boundary for 2-D sets; the confusion
// matrix and a grid of predictions (as tabs) for image classification; the loss
// landscape for every set (LandscapePanel.tsx). And the
// per-neuron thumbnails drawn on the hidden nodes of the graph. Which apply is the
// probe registry's word (probes/topics.ts); RUN_VIEWS is what the page can draw.
import { useMemo, useState, type ComponentType } from "react";
import { usePlayground } from "../../context";
import { pointsInPlane, type PointsPreview } from "../../data/preview";
import { usePreview } from "../../hooks/usePreview";
import { runProbeApplies, runViews } from "../../probes/topics";
import { useProbe } from "../../probes/useProbe";
import { boundaryMeta, floats, num, nums, type ProbeArray, type ProbeFrame } from "../../probes/unpack";
import {
  boundary as drawBoundary,
  confusion as drawConfusion,
  predictions as drawPredictions,
  thumbnails as drawThumbnails,
  type BoundaryKind,
  type Ctx,
  type PredictionCell,
} from "../../render/draw";
import { gridLayout, type Grid } from "../../render/layout";
import { LossLandscapePanel } from "./LandscapePanel";
import { percent, PRESENTATION_ZOOM, ProbeCanvas, ProbePanel } from "./ProbePanel";

/** Side of the run views' drawings (they sit in the charts' row). */
export const RUN_SIZE = 160;

const NO_LABELS: readonly string[] = [];

/**
 * The run probes the page has a view for, in the order shown (several that apply are tabs;
 * `tab` is the tab's label). A probe the registry serves and this lacks is not offered.
 */
const RUN_VIEWS = {
  decision_boundary: { tab: "Boundary", Panel: DecisionBoundaryPanel },
  confusion: { tab: "Confusion", Panel: ConfusionPanel },
  predictions: { tab: "Predictions", Panel: PredictionsPanel },
  loss_landscape: { tab: "Landscape", Panel: LossLandscapePanel },
} satisfies Record<string, { tab: string; Panel: ComponentType }>;

export type RunView = keyof typeof RUN_VIEWS;
const RUN_VIEW_NAMES = Object.keys(RUN_VIEWS) as RunView[];

function useDataset() {
  return usePlayground((s) => s.catalog.datasets.find((d) => d.name === s.dataset.name));
}

/** The run-level views of the current dataset ([] when none applies). */
export function useRunViews(): RunView[] {
  const dataset = useDataset();
  const probes = usePlayground((s) => s.catalog.probes);
  return useMemo(() => runViews(probes, RUN_VIEW_NAMES, dataset), [probes, dataset]);
}

export function RunPanels() {
  const views = useRunViews();
  const [tab, setTab] = useState<RunView | null>(null);
  const [only] = views;
  if (only === undefined) return null;
  if (views.length === 1) {
    const { Panel } = RUN_VIEWS[only];
    return (
      <div className="run-probes">
        <Panel />
      </div>
    );
  }
  const current = tab !== null && views.includes(tab) ? tab : only;
  const { Panel } = RUN_VIEWS[current];
  return (
    <div className="run-probes tabbed">
      <div className="tabs" role="tablist" aria-label="Run views">
        {views.map((view) => (
          <button
            key={view}
            type="button"
            role="tab"
            aria-selected={view === current}
            className={view === current ? "active" : undefined}
            onClick={() => setTab(view)}
            data-testid={`tab-${view}`}
          >
            {RUN_VIEWS[view].tab}
          </button>
        ))}
      </div>
      {/* Only the shown tab is subscribed. */}
      <Panel key={current} />
    </div>
  );
}

// --- decision boundary ---

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

function Boundary({ frame }: { frame: ProbeFrame }) {
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
        width={RUN_SIZE}
        height={RUN_SIZE}
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
function DecisionBoundaryPanel() {
  return (
    <ProbePanel testId="panel-decision-boundary" title="Decision boundary" topic="decision_boundary" what="decision boundary" className="run-probe">
      {(frame) => <Boundary frame={frame} />}
    </ProbePanel>
  );
}

// --- confusion matrix ---

interface ConfusionData {
  matrix: Float32Array;
  n: number;
  labels: readonly string[];
}

function drawConfusionData(ctx: Ctx, d: ConfusionData, width: number): void {
  drawConfusion(ctx, d.matrix, d.n, width, d.labels);
}

function Confusion({ frame }: { frame: ProbeFrame }) {
  const dataset = useDataset();
  const matrix = frame.arrays.matrix;
  const labels = dataset?.class_names ?? NO_LABELS;
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

function ConfusionPanel() {
  return (
    <ProbePanel testId="panel-confusion" title="Confusion matrix" topic="confusion" what="confusion matrix" className="run-probe">
      {(frame) => <Confusion frame={frame} />}
    </ProbePanel>
  );
}

// --- predictions ---

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
  const dataset = useDataset();
  const images = frame.arrays.images;
  const labels = dataset?.class_names ?? NO_LABELS;
  const { pred, true: truth, prob } = frame.header;
  const data = useMemo<PredictionsData | null>(() => {
    if (!images || images.shape.length !== 4) return null;
    const p = nums(pred);
    const t = nums(truth);
    const q = nums(prob);
    const cells = p.map((v, i) => ({ pred: v ?? -1, truth: t[i] ?? -1, prob: q[i] ?? null }));
    const grid = gridLayout(Math.min(cells.length, images.shape[0] ?? 0), RUN_SIZE + 16, { maxCols: 4, maxCell: 52 });
    return { images: floats(images), shape: images.shape, cells, grid, labels };
  }, [images, pred, truth, prob, labels]);
  if (!data) return <p className="muted">This frame has no images.</p>;
  const right = data.cells.filter((c) => c.pred === c.truth).length;
  return (
    <>
      <ProbeCanvas
        data={data}
        draw={drawPredictionsData}
        width={data.grid.width}
        height={data.grid.height}
        label="The first test samples with the predicted class (green: right; red, dashed: wrong, with the true class)"
        testId="predictions-canvas"
      />
      <p className="probe-note">
        {right} of {data.cells.length} right
      </p>
    </>
  );
}

function PredictionsPanel() {
  return (
    <ProbePanel testId="panel-predictions" title="Predictions" topic="predictions" what="predictions" className="run-probe">
      {(frame) => <Predictions frame={frame} />}
    </ProbePanel>
  );
}

// --- neuron thumbnails on the graph's hidden nodes ---

interface ThumbData {
  maps: Float32Array;
  units: number;
  r: number;
  grid: Grid;
}

function drawThumbData(ctx: Ctx, d: ThumbData): void {
  drawThumbnails(ctx, d.maps, d.units, d.r, d.grid);
}

/** Width of the thumbnails' block inside a node. */
const THUMBS_WIDTH = 104;

function thumbData(part: ProbeArray): ThumbData | null {
  const [units = 0, r = 0] = part.shape;
  if (part.shape.length !== 3 || units === 0) return null;
  const cols = Math.ceil(Math.sqrt(units));
  return { maps: floats(part), units, r, grid: gridLayout(units, THUMBS_WIDTH, { maxCols: cols, maxCell: 26, gap: 1 }) };
}

/** What each unit of a hidden node computes over the input plane, on the node itself (2-D sets). */
export function NeuronThumbnails({ id }: { id: string }) {
  const planar = usePlayground((s) =>
    runProbeApplies(s.catalog.probes, "decision_boundary", s.catalog.datasets.find((d) => d.name === s.dataset.name)),
  );
  const hasRun = usePlayground((s) => s.run.id !== null);
  const frame = useProbe(planar && hasRun ? "decision_boundary" : null);
  const part = frame?.arrays[`neurons:${id}`];
  const data = useMemo(() => (part ? thumbData(part) : null), [part]);
  if (!frame || !data) return null;
  const total = boundaryMeta(frame.header).hidden[id] ?? data.units;
  return (
    <div className="neuron-thumbs" data-testid={`thumbs-${id}`} data-step={frame.header.step ?? ""}>
      <ProbeCanvas
        data={data}
        draw={drawThumbData}
        width={data.grid.width}
        height={data.grid.height}
        label={`What each of ${id}'s ${total > data.units ? `first ${data.units} of ${total}` : data.units} units computes over the input plane (blue: below zero, orange: above)`}
        className="thumbs-canvas"
        testId={`thumbs-canvas-${id}`}
      />
    </div>
  );
}
