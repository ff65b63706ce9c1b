// The current dataset's preview: fetched (debounced) when the dataset or its params
// change, once per dataset + params however many views read it (data/previewCache.ts).
import { useEffect, useSyncExternalStore } from "react";
import { api } from "../api/client";
import { usePlayground } from "../context";
import { previewCount, previewKey } from "../data/preview";
import { PreviewCache, type PreviewEntry } from "../data/previewCache";

/** The page's one cache of previews. */
export const previewCache = new PreviewCache((name, params, n) => api.previewDataset(name, params, n));

export type PreviewState = PreviewEntry | { status: "idle"; key: "" };

const IDLE: PreviewState = { status: "idle", key: "" };

/** The preview of the dataset being edited; "idle" until the catalog says it can be loaded. */
export function usePreview(delayMs = 300): PreviewState {
  const dataset = usePlayground((s) => s.dataset);
  const info = usePlayground((s) => s.catalog.datasets.find((d) => d.name === s.dataset.name));
  const wanted = info !== undefined && info.available;
  const n = previewCount(info?.input_shape);
  const key = wanted ? previewKey(dataset, n) : "";
  const entry = useSyncExternalStore(previewCache.subscribe, () => (key ? previewCache.get(key) : undefined));
  useEffect(() => {
    if (!key) return;
    // Already fetched (another view asked for it): no wait.
    const timer = setTimeout(() => previewCache.load(dataset, n), previewCache.get(key) ? 0 : delayMs);
    return () => clearTimeout(timer);
  }, [key, dataset, n, delayMs]);
  if (!key) return IDLE;
  return entry ?? { status: "loading", key };
}
