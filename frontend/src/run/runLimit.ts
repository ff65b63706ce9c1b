// When the server's limit of active runs refuses a start: which run to stop to make room.
// The page's own run is never the one; of the others, the oldest active one (the likeliest
// to be left over from an earlier page, the server pauses those nobody watches).
import { ApiError, type Api } from "../api/client";
import type { RunStatus, RunSummary } from "../api/types";

/** The statuses that count against the limit (server/lifecycle.py's ACTIVE). */
export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running", "paused"];

/** Whether a refusal is the server's run limit (409, its message names the limit). */
export function isRunLimit(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && /limit/i.test(error.message);
}

/** The oldest active run other than `own`, by created_at; null when there is none. */
export function oldestIdleRun(runs: readonly RunSummary[], own: string | null): RunSummary | null {
  let oldest: RunSummary | null = null;
  for (const run of runs) {
    if (run.id === own || !ACTIVE_STATUSES.includes(run.status)) continue;
    if (oldest === null || Date.parse(run.created_at) < Date.parse(oldest.created_at)) oldest = run;
  }
  return oldest;
}

/** Pages fetched at most while looking through every run (1000 each). */
const MAX_PAGES = 20;

/** Every run the server has, page by page (newest first, so the oldest are on the last page). */
export async function allRuns(api: Pick<Api, "listRuns">): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const { runs, total } = await api.listRuns(1000, out.length);
    out.push(...runs);
    if (runs.length === 0 || out.length >= total) break;
  }
  return out;
}
