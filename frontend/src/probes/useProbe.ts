// A panel's view of one topic: wanted (subscribed) while the panel is shown with a
// topic, and the newest frame, re-rendering at most once per animation frame. The hub is
// the enclosing ProbeHubContext's (a compared run's), else the own run's.
import { useCallback, useEffect, useSyncExternalStore } from "react";
import { usePlaygroundContext } from "../context";
import type { ProbeHub } from "./hub";
import { useScopedProbes } from "./hubContext";
import type { ProbeOptions } from "./subscriptions";
import type { ProbeFrame } from "./unpack";

const never = (): (() => void) => () => undefined;

/** The hub the views here read: the scoped run's, else the own run's. */
export function useHub(): ProbeHub {
  const own = usePlaygroundContext().probes;
  return useScopedProbes()?.hub ?? own;
}

export function useProbe(topic: string | null): ProbeFrame | null {
  const probes = useHub();
  useEffect(() => (topic === null ? undefined : probes.want(topic)), [probes, topic]);
  const listen = useCallback((fn: () => void) => (topic === null ? never() : probes.listen(topic, fn)), [probes, topic]);
  const read = useCallback(() => (topic === null ? null : probes.latest(topic)), [probes, topic]);
  return useSyncExternalStore(listen, read, read);
}

/** The run's probe options (feature-map sample, ERF reduction) and a setter. */
export function useProbeOptions(): [ProbeOptions, (changes: Partial<ProbeOptions>) => void] {
  const probes = useHub();
  const listen = useCallback((fn: () => void) => probes.listenOptions(fn), [probes]);
  const read = useCallback(() => probes.options, [probes]);
  const options = useSyncExternalStore(listen, read, read);
  const set = useCallback((changes: Partial<ProbeOptions>) => probes.setOptions(changes), [probes]);
  return [options, set];
}
