// Types of the contract the page speaks (see shared/DESIGN.md and docs/api.md).

/** A JSON Schema fragment, as the registries serve it (only the keys the forms read). */
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

export interface Position {
  x: number;
  y: number;
}

export interface SpecNode {
  id: string;
  type: string;
  params?: Params;
  position?: Position;
}

export interface SpecEdge {
  source: string;
  target: string;
  id?: string;
}

/** Network spec, version 1. */
export interface NetworkSpec {
  version: 1;
  name?: string;
  nodes: SpecNode[];
  edges: SpecEdge[];
}

export interface LayerInfo {
  type: string;
  category: string;
  doc: string;
  min_inputs: number;
  max_inputs: number | null;
  trainable_by_gradient: boolean;
  params_schema: JsonSchema;
}

export interface DatasetInfo {
  name: string;
  task: string;
  description: string;
  params_schema: JsonSchema;
  input_shape: number[] | null;
  n_classes: number | null;
  class_names: string[];
  available: boolean;
  unavailable_reason?: string | null;
}

/**
 * POST /api/datasets/{name}/preview's answer, as sent: [x, y] points (2-D sets, up to
 * 5000 per split) or [C, H, W] images in [0, 1] (up to 64); labels are classes, [v]
 * values (regression) or [H, W] label maps (segmentation). See data/preview.ts.
 */
export interface DatasetPreviewResponse {
  name: string;
  task: string;
  input_shape: number[] | null;
  class_names: string[];
  train_x: unknown[];
  train_y: unknown[];
  test_x: unknown[];
  test_y: unknown[];
}

export interface DatasetRef {
  name: string;
  params: Params;
}

export type OptimizerName = "sgd" | "rmsprop" | "adam" | "adamw";

export interface TrainingConfig {
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  nesterov: boolean;
  weight_decay: number;
  batch_size: number;
  max_steps: number;
  seed: number;
}

/** The settings PATCH /api/runs/{id}/training accepts while a run trains. */
export type LiveTrainingField = "lr" | "momentum" | "nesterov" | "weight_decay" | "batch_size" | "max_steps";
export const LIVE_TRAINING_FIELDS: readonly LiveTrainingField[] = [
  "lr",
  "momentum",
  "nesterov",
  "weight_decay",
  "batch_size",
  "max_steps",
];

export interface RunBody {
  name?: string;
  network: NetworkSpec;
  dataset: DatasetRef;
  training: Partial<TrainingConfig>;
  device?: string;
}

export interface Preset {
  name: string;
  title: string;
  doc: string;
  run: RunBody;
}

export interface SpecError {
  node: string | null;
  field: string | null;
  message: string;
}

export interface NodeReport {
  shape: number[] | null;
  params: number;
  receptive_field: unknown;
}

export interface ValidationReport {
  valid: boolean;
  nodes: Record<string, NodeReport>;
  total_params: number;
  errors: SpecError[];
  warnings?: SpecError[];
}

export type RunStatus = "created" | "queued" | "running" | "paused" | "completed" | "stopped" | "failed";

export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running", "paused"];
export const TERMINAL_STATUSES: readonly RunStatus[] = ["completed", "stopped", "failed"];

export interface RunRecord {
  id: string;
  name: string;
  status: RunStatus;
  error: string | null;
  step: number;
}

export interface MetricsRow {
  step: number;
  epoch?: number | null;
  train_loss?: number | null;
  test_loss?: number | null;
  train_acc?: number | null;
  test_acc?: number | null;
  lr?: number | null;
  steps_per_s?: number | null;
  wall_s?: number | null;
  time?: number | null;
}

export type ControlAction = "start" | "pause" | "resume" | "step" | "stop";
