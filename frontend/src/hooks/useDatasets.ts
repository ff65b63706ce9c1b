// The dataset list read again (after an upload or a deletion), the rest of the catalog kept.
import { useCallback } from "react";
import { api } from "../api/client";
import { usePlaygroundContext } from "../context";

export function useReloadDatasets(): () => Promise<void> {
  const { store } = usePlaygroundContext();
  return useCallback(async () => {
    const datasets = await api.datasets();
    const { catalog, actions } = store.getState();
    actions.setCatalog({ ...catalog, datasets });
  }, [store]);
}
