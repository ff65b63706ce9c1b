// Load the registries (layers, datasets, presets, optimizers, probes) the page is built from.
import { useCallback, useEffect } from "react";
import { api, errorMessage } from "../api/client";
import type { PlaygroundStore } from "../state/store";

export function useCatalog(store: PlaygroundStore): () => void {
  const load = useCallback(() => {
    store.setState({ catalogState: "loading", catalogError: null });
    Promise.all([api.layers(), api.datasets(), api.presets(), api.optimizers(), api.probes()])
      .then(([layers, datasets, presets, optimizers, probes]) =>
        store.getState().actions.setCatalog({ layers, datasets, presets, optimizers, probes }),
      )
      .catch((error: unknown) =>
        store.getState().actions.setCatalogError(errorMessage(error)),
      );
  }, [store]);
  useEffect(load, [load]);
  return load;
}
