// Which run's probe frames a view shows: a view wrapped in ProbeHubContext reads that run's
// hub (a compared run's, see run/comparison.ts); any other view reads the own run's.
import { createContext, useContext } from "react";
import type { ProbeHub } from "./hub";

export interface RunProbes {
  hub: ProbeHub;
  runId: string;
}

export const ProbeHubContext = createContext<RunProbes | null>(null);

/** The run the enclosing ProbeHubContext names, or null (the own run's hub applies). */
export function useScopedProbes(): RunProbes | null {
  return useContext(ProbeHubContext);
}
