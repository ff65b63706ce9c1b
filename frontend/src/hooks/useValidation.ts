// Validate the network as it is edited: debounced, latest edit wins, positions ignored.
import { useEffect } from "react";
import { api, errorMessage } from "../api/client";
import { structuralSpec } from "../graph/graph";
import { specOf, type PlaygroundStore } from "../state/store";

export function useValidation(store: PlaygroundStore, delayMs = 250): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inflight: AbortController | null = null;
    let lastKey = "";

    const validate = async (): Promise<void> => {
      const state = store.getState();
      const spec = specOf(state);
      const key = JSON.stringify([structuralSpec(spec), state.dataset]);
      // The same network again needs no new answer, unless its answer was dropped (the same setup loaded anew).
      if (key === lastKey && (state.validation !== null || inflight !== null)) return;
      lastKey = key;
      inflight?.abort();
      const mine = new AbortController();
      inflight = mine;
      state.actions.setValidating(true);
      try {
        const report = await api.validate(spec, state.dataset, mine.signal);
        if (inflight === mine) store.getState().actions.setValidation(report);
      } catch (error) {
        if (mine.signal.aborted) return;
        lastKey = "";
        const message = errorMessage(error);
        store.getState().actions.setValidation(store.getState().validation, `cannot check the network: ${message}`);
      } finally {
        if (inflight === mine) {
          inflight = null;
          store.getState().actions.setValidating(false);
        }
      }
    };

    const schedule = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => void validate(), delayMs);
    };

    schedule();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.revision !== previous.revision || (state.catalogState === "ready" && previous.catalogState !== "ready")) {
        schedule();
      }
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
      inflight?.abort();
    };
  }, [store, delayMs]);
}
