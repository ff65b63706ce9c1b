// The class's grid, read from GET /api/classes/{id}/grid while it is shown and the page is
// on screen: the teacher's panel twice a second, a student's shared grid every 2 s.
import { useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import { gridRows, type GridRow } from "./grid";

export interface GridRead {
  rows: GridRow[];
  spotlight: string | null;
  problem: string | null;
  /** A read has answered (rows [] before means "not yet", after means "no one"). */
  loaded: boolean;
}

export function useClassGrid(classId: string, enabled: boolean, everyMs: number, token: string): GridRead {
  const [read, setRead] = useState<GridRead>({ rows: [], spotlight: null, problem: null, loaded: false });
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    let busy = false;
    const load = async () => {
      // A slow answer is not asked for again on top of itself; a hidden page asks nothing.
      if (busy || document.visibilityState === "hidden") return;
      busy = true;
      try {
        const view = await api.classGrid(classId);
        if (live) setRead({ rows: gridRows(view), spotlight: view.spotlight, problem: null, loaded: true });
      } catch (error) {
        if (live) setRead((r) => ({ ...r, problem: `cannot read the grid: ${errorMessage(error)}` }));
      } finally {
        busy = false;
      }
    };
    void load();
    const timer = setInterval(() => void load(), everyMs);
    const onVisible = () => {
      if (document.visibilityState === "visible") void load();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      live = false;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [classId, enabled, everyMs, token]);
  return read;
}
