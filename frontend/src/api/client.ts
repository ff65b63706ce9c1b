// The REST client: one typed function per endpoint the page uses.
import { authHeaders, classCredentials, withToken } from "../classroom/credentials";
import { attachmentName } from "../download";
import type {
  ClassAction,
  ClassGridView,
  ClassInfo,
  ClassResults,
  ClassState,
  ControlReport,
  Credentials,
  Health,
  JoinRequest,
  NewClass,
  ControlAction,
  DatasetInfo,
  DatasetPreviewResponse,
  DatasetRef,
  ForkRequest,
  LayerInfo,
  MetricsRow,
  NetworkSpec,
  OptimizerInfo,
  Params,
  Preset,
  ProbeInfo,
  RaceFunction,
  RaceRequest,
  RaceResult,
  RunBody,
  RunExportFormat,
  RunRecord,
  RunSummary,
  SpecError,
  TrainingPatch,
  ValidationReport,
} from "./types";

/** What a failure says, for a line on the page (an ApiError's message is the server's). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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

/** A refusal's body (`detail` and `errors`, when it has them) as an ApiError. */
export function refusalOf(status: number, statusText: string, body: unknown): ApiError {
  let detail = `${status} ${statusText}`.trim();
  let errors: SpecError[] = [];
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
  return new ApiError(status, detail, errors);
}

/** The server's explanation of a non-2xx answer: `detail` (a string) and `errors`. */
async function failure(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: keep the status line.
  }
  return refusalOf(response.status, response.statusText, body);
}

/**
 * A 2xx answer, or the ApiError saying why not. In a class, every request carries the page's
 * token (or `token`, where given: credentials checked before the page switches to them).
 */
async function send(method: string, path: string, body?: unknown, signal?: AbortSignal, token?: string): Promise<Response> {
  let response: Response;
  const headers = { ...authHeaders(token ?? classCredentials().token()), ...(body === undefined ? {} : { "content-type": "application/json" }) };
  try {
    response = await fetch(path, {
      method,
      headers,
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

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, token?: string): Promise<T> {
  const response = await send(method, path, body, signal, token);
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

/** A PUT of the class's state: everything the teacher sets (the counters are the server's). */
export type ClassStateBody = Pick<ClassState, "lesson" | "network" | "locks" | "hidden" | "spotlight" | "share_grid">;

export const api = {
  health: (): Promise<Health> => request("GET", "/api/health"),
  layers: (): Promise<LayerInfo[]> => request("GET", "/api/layers"),
  datasets: (): Promise<DatasetInfo[]> => request("GET", "/api/datasets"),
  presets: (): Promise<Preset[]> => request("GET", "/api/presets"),
  optimizers: (): Promise<OptimizerInfo[]> => request("GET", "/api/optimizers"),
  probes: (): Promise<ProbeInfo[]> => request("GET", "/api/probes"),
  /** Delete an uploaded dataset (409 while a run that has not finished uses it). */
  deleteDataset: (id: string): Promise<void> => request("DELETE", `/api/datasets/${encodeURIComponent(id)}`),
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
  /** A new run like this one with some training fields changed (created, not started; 422 names the field). */
  forkRun: (id: string, body: ForkRequest): Promise<RunRecord> => request("POST", `/api/runs/${encodeURIComponent(id)}/fork`, body),
  /** A run as a file (its spec, a PyTorch script, its weights: 409 before its first checkpoint), named as the server suggests. */
  exportRun: async (id: string, format: RunExportFormat): Promise<{ name: string; blob: Blob }> => {
    const response = await send("GET", `/api/runs/${encodeURIComponent(id)}/export?format=${format}`);
    const suffix = { spec: "json", pytorch: "py", safetensors: "safetensors", onnx: "onnx", report: "html" }[format];
    const fallback = `run-${id.slice(0, 8)}.${suffix}`;
    return { name: attachmentName(response.headers.get("Content-Disposition"), fallback), blob: await response.blob() };
  },
  /** Change training settings while the run trains: only those of its optimizer's `live` list. */
  patchTraining: (id: string, changes: TrainingPatch): Promise<RunRecord> =>
    request("PATCH", `/api/runs/${encodeURIComponent(id)}/training`, changes),

  /** A new class: its join code and the teacher's credentials (the token is shown only now). */
  createClass: (body: NewClass): Promise<Credentials> => request("POST", "/api/classes", body),
  /** Join a class by its code: a student's credentials (404 unknown code; 409 ended, full or name taken). */
  joinClass: (body: JoinRequest): Promise<Credentials> => request("POST", "/api/classes/join", body),
  /** The class and its members (its teacher's token only). */
  getClass: (id: string): Promise<ClassInfo> => request("GET", `/api/classes/${encodeURIComponent(id)}`),
  /** The class read with this token rather than the page's (a taught class, before the page goes back to it). */
  getClassWith: (id: string, token: string): Promise<ClassInfo> =>
    request("GET", `/api/classes/${encodeURIComponent(id)}`, undefined, undefined, token),
  /** End the class: no one joins or starts runs in it; its runs stay. */
  endClass: (id: string): Promise<ClassInfo> => request("POST", `/api/classes/${encodeURIComponent(id)}/end`),
  /** What every student's page follows (any member reads it). */
  classState: (id: string): Promise<ClassState> => request("GET", `/api/classes/${encodeURIComponent(id)}/state`),
  /** Set locks, hidden panels, spotlight and sharing (a lesson or network that differs is pushed). The teacher's. */
  putClassState: (id: string, state: ClassStateBody): Promise<ClassState> =>
    request("PUT", `/api/classes/${encodeURIComponent(id)}/state`, state),
  /** Push a lesson (by name) or a network to every student's page, again even if it is the same. */
  pushToClass: (id: string, body: { lesson: string } | { network: NetworkSpec }): Promise<ClassState> =>
    request("POST", `/api/classes/${encodeURIComponent(id)}/push`, body),
  /** Start, pause, resume, stop or reset every student's run at once. */
  controlClass: (id: string, action: ClassAction): Promise<ControlReport> =>
    request("POST", `/api/classes/${encodeURIComponent(id)}/control`, { action }),
  /** Every student's newest run with its loss curve (the teacher; a student only when the grid is shared). */
  classGrid: (id: string): Promise<ClassGridView> => request("GET", `/api/classes/${encodeURIComponent(id)}/grid`),
  /** Each student's run against the pushed lesson: what changed, final metrics. The teacher's. */
  classResults: (id: string): Promise<ClassResults> => request("GET", `/api/classes/${encodeURIComponent(id)}/results`),
  /** The same results as a CSV file (fetched with the token: a plain link cannot send it). */
  classResultsCsv: async (id: string): Promise<Blob> => (await send("GET", `/api/classes/${encodeURIComponent(id)}/results.csv`)).blob(),
  /** A run's metric history (rows after step `since`). */
  metrics: (id: string, since = -1): Promise<MetricsRow[]> =>
    request("GET", `/api/runs/${encodeURIComponent(id)}/metrics?since=${since}`),

  raceFunctions: (): Promise<RaceFunction[]> => request("GET", "/api/race/functions"),
  /** Every racer's path on one function (422 naming `optimizers[i]` for a hyperparameter it does not take). */
  race: (body: RaceRequest, signal?: AbortSignal): Promise<RaceResult> => request("POST", "/api/race", body, signal),
};

export type Api = typeof api;

/** The websocket address of a run's stream, on the page's own host (with the class's token, in a class). */
export function streamUrl(
  runId: string,
  loc: Pick<Location, "protocol" | "host"> = window.location,
  token: string | null = classCredentials().token(),
): string {
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  return withToken(`${scheme}://${loc.host}/api/runs/${encodeURIComponent(runId)}/stream`, token);
}
