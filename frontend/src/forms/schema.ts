// Form fields from the JSON Schema the registries serve, and the text <-> value
// conversion of their inputs. Values the page cannot read are passed on as typed,
// so that the server says what is wrong, in its own words.
import type { JsonSchema } from "../api/types";

export type Widget =
  | { kind: "enum"; options: string[] }
  | { kind: "boolean" }
  | { kind: "number"; integer: boolean; min?: number; max?: number }
  /** A number or a list of numbers ("3" or "3, 5"), like kernel_size or a shape. */
  | { kind: "list"; integer: boolean }
  | { kind: "text" };

export interface Field {
  key: string;
  title: string;
  description: string;
  default: unknown;
  required: boolean;
  nullable: boolean;
  widget: Widget;
}

function variantsOf(schema: JsonSchema): JsonSchema[] {
  return schema.anyOf ?? [schema];
}

function widgetOf(variants: JsonSchema[]): Widget {
  const [only] = variants;
  if (variants.length === 1 && only) {
    if (only.enum) return { kind: "enum", options: only.enum.map(String) };
    if (only.type === "boolean") return { kind: "boolean" };
    if (only.type === "integer" || only.type === "number") {
      const widget: Widget = { kind: "number", integer: only.type === "integer" };
      if (only.minimum !== undefined) widget.min = only.minimum;
      if (only.maximum !== undefined) widget.max = only.maximum;
      return widget;
    }
  }
  if (variants.some((v) => v.type === "array")) {
    const numbers = variants.flatMap((v) => (v.type === "array" ? [...(v.prefixItems ?? []), v.items ?? {}] : [v]));
    return { kind: "list", integer: !numbers.some((v) => v.type === "number") };
  }
  if (variants.every((v) => v.type === "integer" || v.type === "number")) {
    return { kind: "number", integer: variants.every((v) => v.type === "integer") };
  }
  return { kind: "text" };
}

/** The fields of an object schema, in the schema's order, required ones first. */
export function fieldsOf(schema: JsonSchema | undefined): Field[] {
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(properties).map(([key, prop]): Field => {
    const variants = variantsOf(prop);
    const concrete = variants.filter((v) => v.type !== "null");
    return {
      key,
      title: prop.title ?? key,
      description: prop.description ?? "",
      default: prop.default,
      required: required.has(key),
      nullable: concrete.length < variants.length,
      widget: widgetOf(concrete.length > 0 ? concrete : variants),
    };
  });
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** The text an input shows for a value. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}

function asNumber(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * The value typed text stands for; undefined when empty (the param is then left out
 * and the server's default applies, or it says the param is required).
 */
export function parseInput(text: string, widget: Widget): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  switch (widget.kind) {
    case "number": {
      const n = asNumber(trimmed);
      return n === null ? trimmed : n;
    }
    case "list": {
      const parts = trimmed
        .replace(/^\[|\]$/g, "")
        .split(/[\s,x×]+/)
        .filter((p) => p !== "");
      const numbers = parts.map(asNumber);
      if (numbers.some((n) => n === null) || numbers.length === 0) return trimmed;
      return numbers.length === 1 ? numbers[0] : numbers;
    }
    case "boolean":
      return trimmed === "true";
    default:
      return trimmed;
  }
}

/** A short reading of a node's params for its face on the canvas (e.g. "16" or "k3 s2"). */
export function summarizeParams(params: Record<string, unknown>): string {
  const parts: string[] = [];
  const short: Record<string, string> = {
    out_features: "",
    out_channels: "",
    kernel_size: "k",
    stride: "s",
    padding: "p",
    p: "p=",
    loss: "",
    negative_slope: "slope ",
    num_groups: "groups ",
    scale_factor: "×",
  };
  for (const [key, prefix] of Object.entries(short)) {
    if (params[key] !== undefined && params[key] !== null) parts.push(`${prefix}${formatValue(params[key])}`);
  }
  return parts.join(" ");
}

/** A number field's bounds, as a JSON Schema gives them (each inclusive or exclusive). */
export interface NumberBounds {
  integer: boolean;
  min?: { value: number; exclusive: boolean };
  max?: { value: number; exclusive: boolean };
}

/** The bounds of a number (or integer) schema. */
export function numberBounds(schema: JsonSchema): NumberBounds {
  const out: NumberBounds = { integer: schema.type === "integer" };
  if (schema.exclusiveMinimum !== undefined) out.min = { value: schema.exclusiveMinimum, exclusive: true };
  else if (schema.minimum !== undefined) out.min = { value: schema.minimum, exclusive: false };
  if (schema.exclusiveMaximum !== undefined) out.max = { value: schema.exclusiveMaximum, exclusive: true };
  else if (schema.maximum !== undefined) out.max = { value: schema.maximum, exclusive: false };
  return out;
}

/** Whether a number is within the bounds (and whole where an integer is wanted). */
export function withinBounds(n: number, bounds: NumberBounds): boolean {
  if (!Number.isFinite(n) || (bounds.integer && !Number.isInteger(n))) return false;
  const { min, max } = bounds;
  if (min && (min.exclusive ? n <= min.value : n < min.value)) return false;
  if (max && (max.exclusive ? n >= max.value : n > max.value)) return false;
  return true;
}

/** What the bounds ask for, in words: "a number above 0 and at most 10". */
export function describeBounds(bounds: NumberBounds): string {
  const what = bounds.integer ? "a whole number" : "a number";
  const { min, max } = bounds;
  if (min && max && !min.exclusive && !max.exclusive) return `${what} from ${min.value} to ${max.value}`;
  const parts: string[] = [];
  if (min) parts.push(`${min.exclusive ? "above" : "at least"} ${min.value}`);
  if (max) parts.push(`${max.exclusive ? "below" : "at most"} ${max.value}`);
  return parts.length > 0 ? `${what} ${parts.join(" and ")}` : what;
}
