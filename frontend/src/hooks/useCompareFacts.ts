// The compare legend's measured facts of a run: its parameter count (the server's
// validation of its network on its dataset) and its train loss's step-to-step spread.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { api } from "../api/client";
import type { RunConfig } from "../api/types";
import { recentTrainLosses, stepSpread } from "../compare/legend";
import { usePlaygroundContext } from "../context";

/** The run's total trainable parameters as POST /api/networks/validate counts them; null until known. */
export function useParamCount(config: RunConfig | null): number | null {
  // Keyed by the config it answers: a run's config is set once, from its record.
  const [answer, setAnswer] = useState<{ config: RunConfig; total: number } | null>(null);
  useEffect(() => {
    if (config === null) return;
    const request = new AbortController();
    // The record's schema marks the fields with server defaults optional; the request's spells them out.
    const network = { ...config.network, edges: config.network.edges ?? [] };
    const dataset = { ...config.dataset, params: config.dataset.params ?? {} };
    api.validate(network, dataset, request.signal).then(
      (report) => setAnswer({ config, total: report.total_params }),
      // Not counted (aborted, or the server unreachable): the legend shows no count.
      () => undefined,
    );
    return () => request.abort();
  }, [config]);
  return answer !== null && answer.config === config ? answer.total : null;
}

export interface Spread {
  /** The standard deviation of successive differences, or null with too few points. */
  spread: number | null;
  /** The train losses it was measured over. */
  points: number;
  /** The history's last step when measured. */
  last: number;
}

/** The step-to-step spread of a compared run's last `n` train losses, kept current as rows arrive. */
export function useSpread(id: string, n: number): Spread {
  const { comparison } = usePlaygroundContext();
  // Asked each render: the own run's history is the playground's, another run's its stream's.
  const log = comparison.metricsOf(id);
  const subscribe = useCallback((changed: () => void) => log.subscribe(changed), [log]);
  // The last step changes with every append (and a clear): the measure follows it.
  const last = useSyncExternalStore(subscribe, () => log.lastStep);
  return useMemo(() => {
    const values = recentTrainLosses(log.all, n);
    return { spread: stepSpread(values), points: values.length, last };
  }, [log, n, last]);
}
