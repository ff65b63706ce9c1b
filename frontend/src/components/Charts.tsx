// The loss and accuracy charts, train and test (colour-blind-safe: blue solid vs vermillion dashed).
import { usePlayground } from "../context";
import { MetricChart, type Series } from "./MetricChart";
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

export function Charts() {
  const task = usePlayground((s) => s.catalog.datasets.find((d) => d.name === s.dataset.name)?.task);
  const probes = useRunViews().length > 0;
  return (
    <div className={probes ? "charts with-probes" : "charts"}>
      <MetricChart testId="chart-loss" title="Loss" series={LOSS} logToggle empty="Press play: the loss curves appear here." />
      <MetricChart
        testId="chart-accuracy"
        title="Accuracy"
        series={ACCURACY}
        percent
        empty={task === "regression" ? "A regression set has no accuracy: watch the loss." : "Press play: accuracy appears here."}
      />
      {probes && <RunPanels />}
    </div>
  );
}
