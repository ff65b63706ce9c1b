// The data panel's preview of the dataset: a scatter of the points (2-D sets), the first
// train images with their classes, or images beside their label maps (segmentation).
import { useMemo } from "react";
import { PLANE_EXTENT, pointsInPlane, type DatasetPreview, type ImagesPreview, type PointsPreview, type SegmentationPreview } from "../data/preview";
import { TableRows } from "./PreviewTable";
import { usePreview } from "../hooks/usePreview";
import { classColour, cssColour, labelColour, VIRIDIS } from "../render/colormap";
import { imageSamples, scatter, segmentationPairs, type Ctx } from "../render/draw";
import { gridLayout, type Grid } from "../render/layout";
import { GridCanvas, ProbeCanvas } from "./probes/ProbePanel";

/** Side of the scatter, width of the image grids. */
const SCATTER_SIZE = 220;
const GRID_WIDTH = 290;
/** Images shown (image sets), image + map pairs shown (segmentation). */
const SHOWN_IMAGES = 16;
const SHOWN_PAIRS = 4;

export function DatasetPreviewView() {
  const state = usePreview();
  if (state.status === "idle") return null;
  return (
    <div className="dataset-preview" data-testid="dataset-preview" data-state={state.status} data-kind={state.status === "ready" ? state.preview.kind : ""}>
      {state.status === "loading" && (
        <p className="probe-empty" role="status">
          <span className="spinner" aria-hidden="true" />
          Loading samples…
        </p>
      )}
      {state.status === "error" && (
        <p className="preview-error" role="alert" data-testid="dataset-preview-error">
          No preview: {state.message}
        </p>
      )}
      {state.status === "ready" && <Preview preview={state.preview} />}
    </div>
  );
}

function Preview({ preview }: { preview: DatasetPreview }) {
  if (preview.kind === "points") return <Scatter preview={preview} />;
  if (preview.kind === "segmentation") return <Segmentation preview={preview} />;
  if (preview.kind === "table") return <TableRows preview={preview} />;
  return <Images preview={preview} />;
}

function drawScatter(ctx: Ctx, preview: PointsPreview, width: number): void {
  scatter(ctx, preview, PLANE_EXTENT, width);
}

function Scatter({ preview }: { preview: PointsPreview }) {
  const train = pointsInPlane(preview.train, PLANE_EXTENT);
  const test = pointsInPlane(preview.test, PLANE_EXTENT);
  const [lo, hi] = preview.labelRange;
  const classes = preview.regression ? [] : [...new Set([...preview.train.label, ...preview.test.label])].sort((a, b) => a - b);
  return (
    <>
      <ProbeCanvas
        data={preview}
        draw={drawScatter}
        width={SCATTER_SIZE}
        height={SCATTER_SIZE}
        label={`${train} train points (filled) and ${test} test points (hollow) over [-${PLANE_EXTENT}, ${PLANE_EXTENT}]²`}
        testId="preview-canvas"
        attrs={{ "data-points": train + test, "data-train": train, "data-test": test }}
      />
      <p className="probe-note preview-legend">
        ● train ({train}) · ○ test ({test}) · x, y in [−{PLANE_EXTENT}, {PLANE_EXTENT}]
        <br />
        {preview.regression ? (
          <>
            value: <Swatch colour={cssColour(VIRIDIS, 0)} /> {lo.toPrecision(2)} … <Swatch colour={cssColour(VIRIDIS, 1)} /> {hi.toPrecision(2)}
          </>
        ) : (
          classes.map((k) => (
            <span key={k} className="preview-class">
              <Swatch colour={classColour(k)} /> {preview.classNames[k] ?? `class ${k}`}
            </span>
          ))
        )}
      </p>
    </>
  );
}

function Swatch({ colour }: { colour: string }) {
  return <span className="swatch" style={{ background: colour }} aria-hidden="true" />;
}

interface GridData<P> {
  preview: P;
  count: number;
  grid: Grid;
  captions: string[];
}

function drawImages(ctx: Ctx, d: GridData<ImagesPreview>): void {
  const p = d.preview;
  imageSamples(ctx, p.images, d.count, p.c, p.h, p.w, d.grid, d.captions);
}

function Images({ preview }: { preview: ImagesPreview }) {
  const data = useMemo<GridData<ImagesPreview>>(() => {
    const count = Math.min(preview.count, SHOWN_IMAGES);
    const captions = preview.labels.slice(0, count).map((k) => preview.classNames[k] ?? String(k));
    return { preview, count, captions, grid: gridLayout(count, GRID_WIDTH, { maxCols: 8, maxCell: 40 }) };
  }, [preview]);
  if (data.count === 0) return <p className="muted">The train split is empty.</p>;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawImages}
        label={`${which(preview, data.count)} train images: ${data.captions.join(", ")}`}
        testId="preview-canvas"
        attrs={{ "data-images": data.count }}
      />
      <p className="probe-note">
        {which(preview, data.count).toLowerCase()} train images ({preview.c === 3 ? "RGB" : "grey"}, {preview.h} × {preview.w}) with their classes
      </p>
    </>
  );
}

/** Which images these are: training's very first, or (a large set) a few of the same kind. */
function which(preview: { sampled: boolean }, count: number): string {
  return preview.sampled ? `${count} examples of the` : `The first ${count}`;
}

function drawPairs(ctx: Ctx, d: GridData<SegmentationPreview>): void {
  const p = d.preview;
  segmentationPairs(ctx, p.images, p.masks, d.count, p.c, p.h, p.w, d.grid);
}

function Segmentation({ preview }: { preview: SegmentationPreview }) {
  const data = useMemo<GridData<SegmentationPreview>>(() => {
    const count = Math.min(preview.count, SHOWN_PAIRS);
    return { preview, count, captions: [], grid: gridLayout(2 * count, GRID_WIDTH, { maxCols: 4, maxCell: 68 }) };
  }, [preview]);
  if (data.count === 0) return <p className="muted">The train split is empty.</p>;
  return (
    <>
      <GridCanvas
        data={data}
        draw={drawPairs}
        label={`${which(preview, data.count)} train images, each beside its label map`}
        testId="preview-canvas"
        attrs={{ "data-images": data.count }}
      />
      <p className="probe-note preview-legend">
        image | label map:{" "}
        {preview.classNames.map((name, k) => (
          <span key={name} className="preview-class">
            <Swatch colour={labelColour(k)} /> {name}
          </span>
        ))}
      </p>
    </>
  );
}
