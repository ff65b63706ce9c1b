// The server's REST API as the browser tests (and the page benchmark) call it directly:
// JSON in and out, a failed answer thrown with its status and body; the runs it lists, and
// a file's tests each started from a server without runs.
import type { Page } from "playwright-core";
import { beforeEach, expect } from "vitest";

/** A caller of `baseUrl`'s API: `api("POST", "/api/runs", body)`. */
export type Rest = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** The API as a caller without a class, or (with `token`) as a member of one. */
export function rest(baseUrl: string, token?: string): Rest {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
}

/** The smallest network a run takes: one linear layer scoring two classes. */
export const LINEAR_CLASSIFIER = {
  version: 1,
  nodes: [
    { id: "in", type: "input" },
    { id: "fc", type: "linear", params: { out_features: 2 } },
    { id: "out", type: "output", params: { loss: "cross_entropy" } },
  ],
  edges: [
    { source: "in", target: "fc" },
    { source: "fc", target: "out" },
  ],
};

/** A run as GET /api/runs lists it (the fields the tests read). */
export interface RunSummary {
  id: string;
  name: string;
  status: string;
  step: number;
}

/** Every run the server lists. */
export function allRuns(api: Rest): Promise<RunSummary[]> {
  return api<RunSummary[]>("GET", "/api/runs?limit=1000");
}

/** Each test of the calling file starts from a server without runs: a beforeEach deletes them all. */
export function withoutRuns(api: Rest): void {
  beforeEach(async () => {
    for (const run of await allRuns(api)) await api("DELETE", `/api/runs/${run.id}`);
  });
}

/** The run a page shows, as its address names it. */
export const runIdInUrl = (page: Page): string | null => new URL(page.url()).searchParams.get("run");

/**
 * Pause the run a page shows (named in its address) through the API, then wait until the page no
 * longer says it runs. A lesson's run may complete while a test looks at its panels; the API
 * answers a completed run with the run, where the page's pause button would already be disabled.
 */
export async function pausePageRun(page: Page, api: Rest): Promise<void> {
  const run = runIdInUrl(page);
  if (!run) throw new Error("the page names no run in its address");
  await api("POST", `/api/runs/${run}/pause`);
  await expect.poll(async () => (await page.getByTestId("run-status").textContent()) ?? "", { timeout: 15_000 }).not.toContain("running");
}
