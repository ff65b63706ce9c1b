// Which probe views apply: per node (from its type, output shape and parameter count)
// and per run (from the dataset). Only these are subscribed, so the server never
// computes a probe that no panel shows or that cannot apply.
import type { DatasetInfo } from "../api/types";

export type NodeView = "activations" | "feature_maps" | "erf" | "weights" | "gradients";
export type RunView = "decision_boundary" | "confusion" | "predictions";

export interface NodeFacts {
  id: string;
  type: string;
  /** Output shape from validation (null: not known yet). */
  shape: number[] | null | undefined;
  /** Trainable parameters (0: none). */
  params: number | undefined;
}

type DatasetFacts = Pick<DatasetInfo, "task" | "input_shape"> | undefined;

const isImage = (shape: readonly number[] | null | undefined): boolean => shape?.length === 3;

/** The dataset's points are in the plane: the decision boundary and neuron maps apply. */
export function isPlanar(dataset: DatasetFacts): boolean {
  return dataset?.input_shape?.length === 1 && dataset.input_shape[0] === 2;
}

/** Images sorted into classes: the confusion matrix and the prediction grid apply. */
export function isImageClassification(dataset: DatasetFacts): boolean {
  return dataset?.task === "classification" && isImage(dataset.input_shape);
}

/** The views of one node, in the order the side panel shows them. */
export function nodeViews(node: NodeFacts, dataset: DatasetFacts): NodeView[] {
  if (node.type === "input" || node.type === "output") return [];
  const views: NodeView[] = ["activations"];
  if (isImage(node.shape)) {
    views.push("feature_maps");
    if (isImage(dataset?.input_shape)) views.push("erf");
  }
  if ((node.params ?? 0) > 0) views.push("weights", "gradients");
  return views;
}

/** The run-level views of a dataset. */
export function runViews(dataset: DatasetFacts): RunView[] {
  if (isPlanar(dataset)) return ["decision_boundary"];
  if (isImageClassification(dataset)) return ["confusion", "predictions"];
  return [];
}

/** The stream topic of a view. */
export function topicOf(view: NodeView | RunView, node?: string): string {
  return node === undefined ? view : `${view}:${node}`;
}
