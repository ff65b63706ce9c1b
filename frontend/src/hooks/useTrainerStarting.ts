// Whether the server's trainer is still starting while a run waits queued (the first run
// after start-up waits for it a few seconds): asked of GET /api/health while queued.
import { useEffect, useState } from "react";
import { api } from "../api/client";

const POLL_MS = 500;

/** True while `queued` and the server says its training worker is not ready yet. */
export function useTrainerStarting(queued: boolean): boolean {
  const [starting, setStarting] = useState(false);
  useEffect(() => {
    if (!queued) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      try {
        const health = await api.health();
        if (!live) return;
        setStarting(health.worker === "starting");
        if (health.worker === "starting") timer = setTimeout(() => void ask(), POLL_MS);
      } catch {
        // Unreachable: the connection notice says so; nothing to add here.
      }
    };
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
      setStarting(false);
    };
  }, [queued]);
  return queued && starting;
}
