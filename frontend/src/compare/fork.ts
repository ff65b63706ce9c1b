// The fork form's fields and values: which training field a fork may change (the
// optimizer, every optimizer's hyperparameters the registry serves, and the settings every
// run has), the text a value reads as, and the body POST /api/runs/{id}/fork takes.
import type { ForkRequest, OptimizerInfo, TrainingConfig } from "../api/types";
import { fieldLabel } from "../forms/training";
import { COMMON_TRAINING_FIELDS, trainingValue } from "../state/setup";

export type ForkField =
  | { name: "optimizer"; label: string; kind: "choice"; choices: string[] }
  | { name: string; label: string; kind: "number"; integer: boolean }
  | { name: string; label: string; kind: "boolean" };

export type ForkWeights = ForkRequest["weights"];

const INTEGER_FIELDS: readonly string[] = COMMON_TRAINING_FIELDS;

/** The fields a fork may change, in the order offered: optimizer, hyperparameters, then the rest. */
export function forkFields(optimizers: readonly OptimizerInfo[]): ForkField[] {
  const out: ForkField[] = [{ name: "optimizer", label: "optimizer", kind: "choice", choices: optimizers.map((o) => o.name) }];
  const seen = new Set<string>(["optimizer"]);
  for (const entry of optimizers) {
    for (const [name, schema] of Object.entries(entry.params_schema.properties ?? {})) {
      if (seen.has(name)) continue;
      seen.add(name);
      const label = fieldLabel(name, schema);
      if (schema.type === "boolean") out.push({ name, label, kind: "boolean" });
      else if (schema.type === "number" || schema.type === "integer") out.push({ name, label, kind: "number", integer: schema.type === "integer" });
    }
  }
  for (const name of [...COMMON_TRAINING_FIELDS, "max_steps_per_s"]) {
    if (!seen.has(name)) out.push({ name, label: name.replace(/_/g, " "), kind: "number", integer: INTEGER_FIELDS.includes(name) });
  }
  return out;
}

/** The text the value input starts with: the source run's value of the field. */
export function sourceText(field: ForkField, training: TrainingConfig | undefined): string {
  const value = training === undefined ? undefined : trainingValue(training, field.name);
  if (value === undefined || value === null) return field.kind === "choice" ? (field.choices[0] ?? "") : field.kind === "boolean" ? "false" : "";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The value the text stands for, or why it is none. */
export function forkValue(field: ForkField, text: string): { value: string | number | boolean } | { problem: string } {
  if (field.kind === "choice") return field.choices.includes(text) ? { value: text } : { problem: `no optimizer “${text}” on this server` };
  if (field.kind === "boolean") return { value: text === "true" };
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) return { problem: `${field.label} must be a number` };
  if (field.integer && !Number.isInteger(n)) return { problem: `${field.label} must be a whole number` };
  return { value: n };
}

/** POST /api/runs/{id}/fork's body: one training field changed, the weights fresh or the source's. */
export function forkBody(field: string, value: string | number | boolean, weights: ForkWeights): ForkRequest {
  return { training: { [field]: value }, weights };
}
