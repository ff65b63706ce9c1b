// Types of the contract the page speaks (see shared/DESIGN.md and docs/api.md).
//
// They are the server's own: aliases of the types `make types` generates from its OpenAPI
// document (./generated/openapi.ts) and its stream schema (./generated/frames.ts), narrowed
// where the page needs more. Only what the server deliberately leaves open (`dict[str, Any]`:
// the registries' JSON Schema documents) is written by hand here.
import type * as Frames from "./generated/frames";
import type { components, operations } from "./generated/openapi";

type Schemas = components["schemas"];

/**
 * A JSON Schema fragment, as the registries serve it (only the keys the forms read).
 * Hand-written: the server serves params schemas as open objects (`dict[str, Any]`).
 */
export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export type Params = Record<string, unknown>;

// The network spec, version 1 (DESIGN.md's contract).

export type Position = Schemas["Position"];
export type SpecNode = Schemas["NodeSpec"];
export type SpecEdge = Schemas["EdgeSpec"];

/**
 * Network spec, version 1, as the page holds it: its edges always listed, its name
 * optional (the server's default applies).
 */
export type NetworkSpec = Omit<Schemas["NetworkSpec"], "name" | "edges"> & { name?: string; edges: SpecEdge[] };

// --- registries ---

/** One layer type of GET /api/layers (its params schema read as JSON Schema). */
export type LayerInfo = Omit<Schemas["LayerEntry"], "params_schema"> & { params_schema: JsonSchema };

/** What an uploaded dataset came from, and whether the caller may delete it. */
export type UploadFacts = Schemas["UploadFacts"];

/** One dataset of GET /api/datasets (its params schema read as JSON Schema); `upload` on uploaded ones. */
export type DatasetInfo = Omit<Schemas["DatasetEntry"], "params_schema"> & { params_schema: JsonSchema; upload?: UploadFacts };

/** An uploaded dataset, as POST /api/datasets answers it. */
export type UploadedDataset = DatasetInfo & { upload: UploadFacts };

/** A lecture demo of GET /api/presets; `run` is a run body, read by state/setup.ts's parseSetup. */
export type Preset = Schemas["PresetEntry"];

/**
 * One optimizer of GET /api/optimizers: its hyperparameters as JSON Schema (the training
 * panel's fields) and `live`, the training fields PATCH accepts while a run with it trains.
 */
export type OptimizerInfo = Omit<Schemas["OptimizerEntry"], "params_schema"> & { params_schema: JsonSchema };

/** One probe of GET /api/probes: its scope and the rules of where it applies (probes/topics.ts). */
export type ProbeInfo = Omit<Schemas["ProbeEntry"], "params_schema"> & { params_schema: JsonSchema };

/** Where a probe applies; every rule given must hold (null: no rule). */
export type ProbeApplies = ProbeInfo["applies"];

/**
 * POST /api/datasets/{name}/preview's answer, as sent: [x, y] points (2-D sets, up to
 * 5000 per split) or [C, H, W] images in [0, 1] (up to 64); labels are classes, [v]
 * values (regression) or [H, W] label maps (segmentation). See data/preview.ts.
 */
export type DatasetPreviewResponse = Schemas["DatasetPreview"];

// --- runs ---

/** A dataset and its params; the page always carries params (the server's default is {}). */
export type DatasetRef = Schemas["DatasetRef"] & { params: Params };

/**
 * The page's training settings: the server's TrainingConfig, with the optimizer as any
 * name the optimizer registry serves (an optimizer added on the server needs no change here).
 */
export type TrainingConfig = Omit<Schemas["TrainingConfig"], "optimizer"> & { optimizer: string };

/** The training settings PATCH /api/runs/{id}/training takes (those in the optimizer's `live`). */
export type TrainingPatch = Schemas["TrainingPatch"];

/** The POST /api/runs body, with the network as the page's spec and its full training settings. */
export type RunBody = Omit<Schemas["RunConfig"], "network" | "training"> & {
  network: NetworkSpec;
  training: TrainingConfig;
};

export type SpecError = Schemas["SpecError"];
export type NodeReport = Schemas["NodeReport"];
export type ValidationReport = Schemas["ValidationReport"];

export type RunRecord = Schemas["RunRecord"];
/** A run's network, dataset, training settings and device, as its record holds them. */
export type RunConfig = RunRecord["config"];
/** POST /api/runs/{id}/fork: the training fields that change and where the weights come from. */
export type ForkRequest = Schemas["ForkRequest"];
/** A run as GET /api/runs lists it: everything but its config. */
export type RunSummary = Schemas["RunSummary"];
export type Health = Schemas["Health"];
export type RunStatus = RunRecord["status"];
/** A control the run's status allows now ("update": PATCH its training), from the server's lifecycle table. */
export type RunAction = RunRecord["actions"][number];
/** The controls with their own endpoint (POST /api/runs/{id}/{action}). */
export type ControlAction = Exclude<RunAction, "update">;

export type MetricsRow = Schemas["MetricsRow"];

// --- classes (docs/api.md, "Classes") ---

/** What creating or joining a class answers: who the caller is in it, and their token. */
export type Credentials = Schemas["Credentials"];
/** A class as its teacher reads it (GET /api/classes/{id}). */
export type ClassInfo = Schemas["ClassInfo"];
/** Someone in a class: its teacher or a student. */
export type ClassMember = Schemas["Member"];
export type NewClass = Schemas["NewClass"];
export type JoinRequest = Schemas["Join"];
/**
 * What every student's page follows (GET/PUT /api/classes/{id}/state): the lesson or network
 * pushed (`pushed`: the revision of the last push, 0 never), the class-wide reset (`reset`:
 * its revision, 0 never), the locked parts, the hidden panels, the spotlighted run, whether
 * the grid is shared. The server always answers every field (the schema marks those with a
 * default optional): here they are required.
 */
export type ClassState = Required<Schemas["ClassState"]>;
/** A part of the students' page the teacher can lock. */
export type ClassLock = ClassState["locks"][number];
/** One control for every student's run at once (POST /api/classes/{id}/control). */
export type ClassAction = Schemas["ClassControl"]["action"];
/** What a class-wide control reached and what not (run id -> why). */
export type ControlReport = Schemas["ControlReport"];
/** One student in GET /api/classes/{id}/grid: their newest run, its loss curve (at most 48 points). */
export type GridStudent = Schemas["GridEntry"];
/** GET /api/classes/{id}/grid: the teacher's (or, shared, the students') view of the class. */
export type ClassGridView = Schemas["ClassGrid"];
/** One row of GET /api/classes/{id}/results: what the student changed against the push (each like "training.lr: 0.03 → 0.1"), and how it did. */
export type ResultRow = Schemas["ResultRow"];
export type ClassResults = Schemas["ClassResults"];

// --- the stream ---
// The server's frames give their `type` tag a default, so the schema marks it optional;
// the server always sends it, and the page narrows by it: here it is required.

export type ClientMessage = Frames.ClientMessage;
export type SubscribeMessage = Frames.Subscribe;
export type UnsubscribeMessage = Frames.Unsubscribe;
export type ControlMessage = Frames.Control;
export type StatusFrame = Frames.StatusFrame & { type: "status" };
export type MetricsFrame = Frames.MetricsFrame & { type: "metrics" };
export type ErrorFrame = Frames.ErrorFrame & { type: "error" };
export type ServerFrame = StatusFrame | MetricsFrame | ErrorFrame;

// --- the optimizer race (docs/api.md, "The optimizer race") ---

export type RaceRequest = Schemas["RaceRequest"];
export type RaceRacer = Schemas["Racer"];
export type RaceResult = Schemas["RaceResult"];
/** One racer's answer: its path (steps + 1 points, fewer when it diverged), loss and `stopped_at`. */
export type RacePath = Schemas["Path"];

/**
 * One function of GET /api/race/functions. Hand-written: the server serves these as open
 * objects (`dict[str, Any]`), shaped by models/surfaces.py's `describe`.
 */
export interface RaceFunction {
  name: string;
  doc: string;
  formula: string;
  params_schema: JsonSchema;
  /** [[x_min, x_max], [y_min, y_max]]: the plotted region. */
  domain: [[number, number], [number, number]];
  start: [number, number];
  minima: [number, number][];
}

/** The files GET /api/runs/{id}/export makes of a run (the `format` query). */
export type RunExportFormat = NonNullable<NonNullable<operations["export_run_api_runs__run_id__export_get"]["parameters"]["query"]>["format"]>;
