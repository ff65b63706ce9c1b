// The dataset the run views draw for: its catalog entry and its class names.
import { usePlayground } from "../../../context";

const NO_LABELS: readonly string[] = [];

/** The page's dataset as the catalog has it (undefined until the catalog loads). */
export function useDataset() {
  return usePlayground((s) => s.catalog.datasets.find((d) => d.name === s.dataset.name));
}

/** The dataset's class names ([] when it has none, the same array each time). */
export function useClassNames(): readonly string[] {
  return useDataset()?.class_names ?? NO_LABELS;
}
