// Which probe views apply: per node (from its type, output shape and parameter count)
// and per run (from the dataset), by the rules of the server's probe registry
// (GET /api/probes, each entry's `applies`). A probe is offered only where the page has a
// view for it, in the page's order. Only these are subscribed, so the server never
// computes a probe that no panel shows or that cannot apply.
import type { DatasetInfo, JsonSchema, ProbeApplies, ProbeInfo } from "../api/types";

export interface NodeFacts {
  id: string;
  type: string;
  /** Output shape from validation (null: not known yet). */
  shape: number[] | null | undefined;
  /** Trainable parameters (0: none). */
  params: number | undefined;
}

export type DatasetFacts = Pick<DatasetInfo, "task" | "input_shape"> | undefined;

const given = <T>(rule: T | null | undefined): rule is T => rule !== null && rule !== undefined;

/** The dataset rules hold (an unknown dataset fits only probes without any). */
export function fitsDataset(applies: ProbeApplies, dataset: DatasetFacts): boolean {
  const shape = dataset?.input_shape;
  if (given(applies.input_rank) && shape?.length !== applies.input_rank) return false;
  if (given(applies.input_shape)) {
    const want = applies.input_shape;
    if (!shape || shape.length !== want.length || shape.some((n, i) => n !== want[i])) return false;
  }
  if (given(applies.tasks) && (dataset === undefined || !applies.tasks.includes(dataset.task))) return false;
  return true;
}

/** The node rules hold (an unknown shape fits no rank rule, unknown parameters no `needs_params`). */
export function fitsNode(applies: ProbeApplies, node: NodeFacts): boolean {
  if ((applies.skip_types ?? []).includes(node.type)) return false;
  if (given(applies.only_types) && !applies.only_types.includes(node.type)) return false;
  if (given(applies.output_rank) && node.shape?.length !== applies.output_rank) return false;
  if (applies.needs_params && !((node.params ?? 0) > 0)) return false;
  return true;
}

function entry(probes: readonly ProbeInfo[], name: string, scope: ProbeInfo["scope"]): ProbeInfo | undefined {
  return probes.find((p) => p.name === name && p.scope === scope);
}

/** The views (of those the page has, in its order) that apply to one node. */
export function nodeViews<V extends string>(
  probes: readonly ProbeInfo[],
  views: readonly V[],
  node: NodeFacts,
  dataset: DatasetFacts,
): V[] {
  return views.filter((view) => {
    const probe = entry(probes, view, "node");
    return probe !== undefined && fitsNode(probe.applies, node) && fitsDataset(probe.applies, dataset);
  });
}

/** The run-level views (of those the page has, in its order) that apply to the dataset. */
export function runViews<V extends string>(probes: readonly ProbeInfo[], views: readonly V[], dataset: DatasetFacts): V[] {
  return views.filter((view) => runProbeApplies(probes, view, dataset));
}

/** Whether the run probe `name` applies to the dataset (false when the registry lacks it). */
export function runProbeApplies(probes: readonly ProbeInfo[], name: string, dataset: DatasetFacts): boolean {
  const probe = entry(probes, name, "run");
  return probe !== undefined && fitsDataset(probe.applies, dataset);
}

/** The schema of a probe's option `option` (a view offers a control for it only when the server takes it). */
export function probeOption(probes: readonly ProbeInfo[], name: string, scope: ProbeInfo["scope"], option: string): JsonSchema | undefined {
  return entry(probes, name, scope)?.params_schema.properties?.[option];
}

/** Of `choices`, those an integer option's schema allows (its minimum and maximum). */
export function allowed(schema: JsonSchema, choices: readonly number[]): number[] {
  return choices.filter((n) => (schema.minimum === undefined || n >= schema.minimum) && (schema.maximum === undefined || n <= schema.maximum));
}

/** The stream topic of a view. */
export function topicOf(view: string, node?: string): string {
  return node === undefined ? view : `${view}:${node}`;
}
