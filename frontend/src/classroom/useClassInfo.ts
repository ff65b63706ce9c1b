// The teacher's class as the server has it (name, members, end), read every few seconds
// while the page is shown; the teacher's token is kept to come back to the class.
import { useEffect, useState } from "react";
import { ApiError, api, errorMessage } from "../api/client";
import type { ClassInfo, Credentials } from "../api/types";
import { taughtClasses } from "./credentials";

/** How often the class's name, members and end are read. */
export const POLL_MS = 3000;

/** The class and why it cannot be read, if it cannot; `refresh` reads it again now. */
export function useClassInfo(creds: Credentials): { info: ClassInfo | null; problem: string | null; refresh: () => void } {
  const [info, setInfo] = useState<ClassInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    const load = async () => {
      if (document.visibilityState === "hidden") return;
      try {
        const answer = await api.getClass(creds.class_id);
        if (!live) return;
        setInfo(answer);
        setProblem(null);
        // An ended class is not offered again as one to go back to.
        if (answer.ended_at != null) taughtClasses().forget(creds.class_id);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) taughtClasses().forget(creds.class_id);
        if (live) setProblem(`cannot read the class: ${errorMessage(error)}`);
      }
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [creds.class_id, creds.token, tick]);

  // The token was shown once: this browser keeps it to come back to the class after leaving it.
  useEffect(() => taughtClasses().remember(creds), [creds]);

  return { info, problem, refresh: () => setTick((t) => t + 1) };
}
