// The run's views beside the curves: the decision boundary for 2-D sets; the confusion
// matrix and a grid of predictions (as tabs) for image classification; the predicted
// masks and per-class IoU for segmentation; how alike pixels are against their distance
// for image sets; the loss landscape for every set (LandscapePanel.tsx). And the
// per-neuron thumbnails drawn on the hidden nodes of the graph. Which apply is the
// probe registry's word (probes/topics.ts); RUN_VIEWS is what the page can draw, each
// view in its module under run/.
import { useMemo, type ComponentType } from "react";
import { useHiddenPanels } from "../../classroom/classState";
import { useActions, usePlayground } from "../../context";
import { runViews } from "../../probes/topics";
import { LossLandscapePanel } from "./LandscapePanel";
import { ConfusionPanel } from "./run/ConfusionPanel";
import { useDataset } from "./run/dataset";
import { DecisionBoundaryPanel } from "./run/DecisionBoundaryPanel";
import { PixelCorrelationPanel } from "./run/PixelCorrelationPanel";
import { PredictionsPanel } from "./run/PredictionsPanel";
import { SegmentationPanel } from "./run/SegmentationPanel";

// The graph's nodes draw the thumbnails; they import them from here, with the run's views.
export { NeuronThumbnails } from "./run/NeuronThumbnails";

/** What a run view takes: the side of its drawing, and its controls beside it rather than under it. */
export interface RunViewProps {
  size?: number;
  beside?: boolean;
}

interface RunViewEntry {
  /** The tab's label. */
  tab: string;
  /** What several runs' views are, for the pair view's heading ("loss landscapes"). */
  many: string;
  /** Pixels of controls beside the drawing in the pair view. */
  beside: number;
  /** The pair view's line under its heading. */
  note: string;
  Panel: ComponentType<RunViewProps>;
}

/**
 * The run probes the page has a view for, in the order shown (several that apply are tabs;
 * `tab` is the tab's label). A probe the registry serves and this lacks is not offered.
 */
const RUN_VIEWS = {
  decision_boundary: { tab: "Boundary", many: "decision boundaries", beside: 0, note: "each run's output over the input plane", Panel: DecisionBoundaryPanel },
  confusion: { tab: "Confusion", many: "confusion matrices", beside: 0, note: "each run's test predictions against the truth", Panel: ConfusionPanel },
  predictions: { tab: "Predictions", many: "predictions", beside: 0, note: "each run's test samples and what it says they are", Panel: PredictionsPanel },
  segmentation: { tab: "Segmentation", many: "segmentations", beside: 0, note: "each run's predicted masks", Panel: SegmentationPanel },
  pixel_correlation: { tab: "Pixel correlation", many: "pixel correlations", beside: 0, note: "the same data seen by each run", Panel: PixelCorrelationPanel },
  loss_landscape: { tab: "Landscape", many: "loss landscapes", beside: 150, note: "a slice through each run's weights, each on its own scale", Panel: LossLandscapePanel },
} satisfies Record<string, RunViewEntry>;

export type RunView = keyof typeof RUN_VIEWS;
const RUN_VIEW_NAMES = Object.keys(RUN_VIEWS) as RunView[];

/** The page's view of a run-wide probe (for the pair view), or null where it has none. */
export function runViewOf(name: string): RunViewEntry | null {
  return Object.hasOwn(RUN_VIEWS, name) ? RUN_VIEWS[name as RunView] : null;
}

/** The run-level views of the current dataset ([] when none applies), less those a class's teacher hid. */
export function useRunViews(): RunView[] {
  const dataset = useDataset();
  const probes = usePlayground((s) => s.catalog.probes);
  const hidden = useHiddenPanels();
  return useMemo(() => runViews(probes, RUN_VIEW_NAMES, dataset).filter((view) => !hidden.has(view)), [probes, dataset, hidden]);
}

export function RunPanels() {
  const views = useRunViews();
  // In the store: a demo opens the views it names (its preset's `views`).
  const tab = usePlayground((s) => s.runView);
  const { showRunView: setTab } = useActions();
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
  const current = views.find((v) => v === tab) ?? only;
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
