// One fetch per dataset + params, shared by every view that shows the dataset's samples
// (the data panel's preview, the points on the decision boundary). Entries are immutable
// objects, replaced on each change, so that React can read them with useSyncExternalStore.
import { errorMessage } from "../api/client";
import type { DatasetPreviewResponse, DatasetRef } from "../api/types";
import { parsePreview, previewKey, type DatasetPreview } from "./preview";

export type PreviewEntry =
  | { status: "loading"; key: string }
  | { status: "ready"; key: string; preview: DatasetPreview }
  | { status: "error"; key: string; message: string };

export type PreviewFetcher = (name: string, params: DatasetRef["params"], n: number) => Promise<DatasetPreviewResponse>;

/** Entries kept; the oldest settled ones go first. */
const MAX_ENTRIES = 12;

export class PreviewCache {
  private readonly entries = new Map<string, PreviewEntry>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly fetcher: PreviewFetcher) {}

  /** The entry of a request, if it was asked for. */
  get(key: string): PreviewEntry | undefined {
    return this.entries.get(key);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Fetch a preview unless it is cached or on its way (a failure of the connection is retried on the next call). */
  load(dataset: DatasetRef, n: number): string {
    const key = previewKey(dataset, n);
    const known = this.entries.get(key);
    if (known && !(known.status === "error" && known.message.startsWith("cannot reach"))) return key;
    this.set({ status: "loading", key });
    this.fetcher(dataset.name, dataset.params, n)
      .then((body) => this.set({ status: "ready", key, preview: parsePreview(body, n) }))
      .catch((error: unknown) => {
        const message = errorMessage(error);
        this.set({ status: "error", key, message });
      });
    return key;
  }

  private set(entry: PreviewEntry): void {
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    for (const [key, old] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES) break;
      if (old.status !== "loading") this.entries.delete(key);
    }
    for (const listener of this.listeners) listener();
  }
}
