// The playground's long-lived objects, handed to components through React context.
import { createContext, useContext } from "react";
import { useStore } from "zustand";
import type { ProbeHub } from "./probes/hub";
import type { Comparison } from "./run/comparison";
import type { MetricsLog } from "./run/metrics";
import type { RunController } from "./run/controller";
import type { PlaygroundActions, PlaygroundState, PlaygroundStore } from "./state/store";

export interface Playground {
  store: PlaygroundStore;
  controller: RunController;
  metrics: MetricsLog;
  probes: ProbeHub;
  /** The runs compared with the own one: their streams, histories and probe hubs. */
  comparison: Comparison;
}

export const PlaygroundContext = createContext<Playground | null>(null);

export function usePlaygroundContext(): Playground {
  const value = useContext(PlaygroundContext);
  if (value === null) throw new Error("usePlaygroundContext outside <PlaygroundContext.Provider>");
  return value;
}

/** Select from the store; the component re-renders when the selected value changes. */
export function usePlayground<T>(selector: (state: PlaygroundState) => T): T {
  return useStore(usePlaygroundContext().store, selector);
}

export function useActions(): PlaygroundActions {
  return usePlayground((s) => s.actions);
}
