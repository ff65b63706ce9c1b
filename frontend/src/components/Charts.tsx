// The loss and accuracy charts, train and test (colour-blind-safe: blue solid vs vermillion
// dashed). With two or more runs compared, each run's train (solid) and test (dashed) curves
// in its own colour, each grown from its own history; the compare legend above says which is which.
import { useMemo } from "react";
import { usePlayground, usePlaygroundContext } from "../context";
import type { Comparison } from "../run/comparison";
import type { MetricsLog } from "../run/metrics";
import { CompareLegend } from "./CompareLegend";
import { MetricChart, type ChartSource, type MetricKey, type Series } from "./MetricChart";
import { RunPanels, useRunViews } from "./probes/RunPanels";

export const TRAIN_COLOR = "#0072B2";
export const TEST_COLOR = "#D55E00";

const LOSS: readonly Series[] = [
  { key: "train_loss", name: "train loss", color: TRAIN_COLOR },
  { key: "test_loss", name: "test loss", color: TEST_COLOR, dash: "dash" },
];
const ACCURACY: readonly Series[] = [
  { key: "train_acc", name: "train accuracy", color: TRAIN_COLOR },
  { key: "test_acc", name: "test accuracy", color: TEST_COLOR, dash: "dash" },
];

interface Drawn {
  id: string;
  name: string;
  color: string;
}

/** A compared run's two curves of one metric: train solid, test dashed, both in its colour. */
function runSeries(run: Drawn, train: MetricKey, test: MetricKey): Series[] {
  return [
    { key: train, name: `${run.name} · train`, color: run.color },
    { key: test, name: `${run.name} · test`, color: run.color, dash: "dash" },
  ];
}

function sourcesOf(runs: readonly Drawn[], comparison: Comparison): { loss: ChartSource[]; accuracy: ChartSource[] } {
  const log = (id: string): MetricsLog => comparison.metricsOf(id);
  return {
    loss: runs.map((r) => ({ id: r.id, log: log(r.id), series: runSeries(r, "train_loss", "test_loss") })),
    accuracy: runs.map((r) => ({ id: r.id, log: log(r.id), series: runSeries(r, "train_acc", "test_acc") })),
  };
}

/** The runs the charts overlay (two or more compared), as a key that changes only with what is drawn. */
function useOverlayKey(): string {
  return usePlayground((s) => {
    if (s.compare.length < 2) return "";
    // Whether a run is the own one decides which history it draws from.
    return JSON.stringify(s.compare.map((id) => [id, s.runs[id]?.name ?? id, s.runs[id]?.color ?? "#000000", id === s.run.id]));
  });
}

export function Charts() {
  const { metrics, comparison } = usePlaygroundContext();
  const task = usePlayground((s) => s.catalog.datasets.find((d) => d.name === s.dataset.name)?.task);
  const probes = useRunViews().length > 0;
  const overlay = useOverlayKey();
  const sources = useMemo(() => {
    if (overlay === "") return { loss: [{ id: "own", log: metrics, series: LOSS }], accuracy: [{ id: "own", log: metrics, series: ACCURACY }] };
    const runs = (JSON.parse(overlay) as [string, string, string, boolean][]).map(([id, name, color]) => ({ id, name, color }));
    return sourcesOf(runs, comparison);
  }, [overlay, metrics, comparison]);
  const compared = overlay !== "";
  return (
    <>
      <CompareLegend />
      <div className={probes ? "charts with-probes" : "charts"}>
        <MetricChart
          testId="chart-loss"
          title="Loss"
          sources={sources.loss}
          legend={!compared}
          logToggle
          empty="Press play: the loss curves appear here."
        />
        <MetricChart
          testId="chart-accuracy"
          title="Accuracy"
          sources={sources.accuracy}
          legend={!compared}
          percent
          empty={task === "regression" ? "A regression set has no accuracy: watch the loss." : "Press play: accuracy appears here."}
        />
        {probes && <RunPanels />}
      </div>
    </>
  );
}
