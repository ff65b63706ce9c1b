// The training panel's hyperparameter fields, from an optimizer's registry entry (its
// params as JSON Schema): a number field with the schema's bounds, or a checkbox.
import type { JsonSchema, OptimizerInfo } from "../api/types";
import { describeBounds, numberBounds, withinBounds, type NumberBounds } from "./schema";

export type TrainingField =
  | { kind: "number"; name: string; label: string; help: string; testId: string; bounds: NumberBounds; default: number | undefined }
  | { kind: "boolean"; name: string; label: string; help: string; testId: string; default: boolean };

/** Labels kinder than a field's name, where the schema's title is only its name. */
const LABELS: Record<string, string> = { lr: "learning rate", nesterov: "Nesterov" };

/** A field's label: the schema's title when it says more than the name, else the name in words. */
export function fieldLabel(name: string, schema: JsonSchema): string {
  const plain = name.replace(/_/g, " ");
  const title = schema.title?.trim();
  if (title && title.toLowerCase() !== plain.toLowerCase()) return title;
  return LABELS[name] ?? plain;
}

/** The data-testid of a training field: `weight_decay` -> `weight-decay-input`. */
export function fieldTestId(name: string): string {
  return `${name.replace(/_/g, "-")}-input`;
}

/** The data-testid of the note under a training field whose live change the run refused. */
export function refusedTestId(name: string): string {
  return `${name.replace(/_/g, "-")}-refused`;
}

/**
 * Why the text typed in a number field is not a value it takes, in words that name the
 * field (shown beside Play, which it blocks); null when it is one.
 */
export function fieldProblem(label: string, bounds: NumberBounds, text: string): string | null {
  if (text.trim() !== "" && withinBounds(Number(text), bounds)) return null;
  const typed = text.trim() === "" ? "it is empty" : `it reads “${text.trim()}”`;
  return `${label} must be ${describeBounds(bounds)} (${typed})`;
}

/** The optimizer's hyperparameter fields, in its schema's order (kinds the panel cannot edit are left out). */
export function hyperparameterFields(info: OptimizerInfo | undefined): TrainingField[] {
  const out: TrainingField[] = [];
  for (const [name, schema] of Object.entries(info?.params_schema.properties ?? {})) {
    const common = { name, label: fieldLabel(name, schema), help: schema.description ?? "", testId: fieldTestId(name) };
    if (schema.type === "boolean") out.push({ ...common, kind: "boolean", default: schema.default === true });
    else if (schema.type === "number" || schema.type === "integer") {
      out.push({ ...common, kind: "number", bounds: numberBounds(schema), default: typeof schema.default === "number" ? schema.default : undefined });
    }
  }
  return out;
}
