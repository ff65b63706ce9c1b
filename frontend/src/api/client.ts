// The REST client: one typed function per endpoint the page uses.
import type {
  Health,
  ControlAction,
  DatasetInfo,
  DatasetPreviewResponse,
  DatasetRef,
  LayerInfo,
  NetworkSpec,
  OptimizerInfo,
  Params,
  Preset,
  ProbeInfo,
  RaceFunction,
  RaceRequest,
  RaceResult,
  RunBody,
  RunRecord,
  RunSummary,
  SpecError,
  TrainingPatch,
  ValidationReport,
} from "./types";

/** A refused or failed request, with the server's own words and its error list. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: SpecError[];

  constructor(status: number, message: string, errors: SpecError[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = errors;
  }
}

function isSpecError(value: unknown): value is SpecError {
  return typeof value === "object" && value !== null && typeof (value as SpecError).message === "string";
}

/** The server's explanation of a non-2xx answer: `detail` (a string) and `errors`. */
async function failure(response: Response): Promise<ApiError> {
  let detail = `${response.status} ${response.statusText}`.trim();
  let errors: SpecError[] = [];
  try {
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null) {
      const record = body as { detail?: unknown; errors?: unknown };
      if (typeof record.detail === "string") detail = record.detail;
      if (Array.isArray(record.errors)) {
        errors = record.errors.filter(isSpecError).map((e) => ({
          node: e.node ?? null,
          field: e.field ?? null,
          message: e.message,
        }));
      }
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, detail, errors);
}

/** A 2xx answer, or the ApiError saying why not. */
async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "cannot reach the LayerLab server");
  }
  if (!response.ok) throw await failure(response);
  return response;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await send(method, path, body, signal);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** One page of GET /api/runs (newest first) and how many runs the server has in all. */
export interface RunsPage {
  runs: RunSummary[];
  total: number;
}

async function listRuns(limit: number, offset: number): Promise<RunsPage> {
  const response = await send("GET", `/api/runs?limit=${limit}&offset=${offset}`);
  const runs = (await response.json()) as RunSummary[];
  const total = Number(response.headers.get("X-Total-Count"));
  return { runs, total: Number.isFinite(total) ? total : runs.length };
}

export const api = {
  health: (): Promise<Health> => request("GET", "/api/health"),
  layers: (): Promise<LayerInfo[]> => request("GET", "/api/layers"),
  datasets: (): Promise<DatasetInfo[]> => request("GET", "/api/datasets"),
  presets: (): Promise<Preset[]> => request("GET", "/api/presets"),
  optimizers: (): Promise<OptimizerInfo[]> => request("GET", "/api/optimizers"),
  probes: (): Promise<ProbeInfo[]> => request("GET", "/api/probes"),
  /** The first `n` samples of each split of a dataset with these params (422 with `detail` when refused). */
  previewDataset: (name: string, params: Params, n: number, signal?: AbortSignal): Promise<DatasetPreviewResponse> =>
    request("POST", `/api/datasets/${encodeURIComponent(name)}/preview`, { params, n }, signal),

  validate: (network: NetworkSpec, dataset: DatasetRef, signal?: AbortSignal): Promise<ValidationReport> =>
    request("POST", "/api/networks/validate", { network, dataset }, signal),

  createRun: (body: RunBody): Promise<RunRecord> => request("POST", "/api/runs", body),
  getRun: (id: string): Promise<RunRecord> => request("GET", `/api/runs/${encodeURIComponent(id)}`),
  /** A page of the server's runs as summaries, newest first (`limit` 1..1000). */
  listRuns,
  /** Delete a run, its history and its checkpoint. */
  deleteRun: (id: string): Promise<void> => request("DELETE", `/api/runs/${encodeURIComponent(id)}`),
  control: (id: string, action: ControlAction, n?: number): Promise<RunRecord> =>
    request("POST", `/api/runs/${encodeURIComponent(id)}/${action}`, action === "step" ? { n: n ?? 1 } : undefined),
  /** Change training settings while the run trains: only those of its optimizer's `live` list. */
  patchTraining: (id: string, changes: TrainingPatch): Promise<RunRecord> =>
    request("PATCH", `/api/runs/${encodeURIComponent(id)}/training`, changes),

  raceFunctions: (): Promise<RaceFunction[]> => request("GET", "/api/race/functions"),
  /** Every racer's path on one function (422 naming `optimizers[i]` for a hyperparameter it does not take). */
  race: (body: RaceRequest, signal?: AbortSignal): Promise<RaceResult> => request("POST", "/api/race", body, signal),
};

export type Api = typeof api;

/** The websocket address of a run's stream, on the page's own host. */
export function streamUrl(runId: string, loc: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${loc.host}/api/runs/${encodeURIComponent(runId)}/stream`;
}
