// A form generated from a JSON Schema (a layer's or a dataset's params).
// Each input keeps the text as typed; the store gets the value it stands for.
import { useId, useState } from "react";
import type { JsonSchema, Params, SpecError } from "../api/types";
import { fieldsOf, formatValue, parseInput, type Field } from "../forms/schema";

interface Props {
  schema: JsonSchema | undefined;
  values: Params;
  onChange: (key: string, value: unknown) => void;
  /** data-testid of each input is `${testIdPrefix}${key}`. */
  testIdPrefix: string;
  /** Errors to show under the fields they name. */
  errors?: readonly SpecError[];
}

function FieldInput({
  field,
  value,
  onChange,
  testId,
  id,
}: {
  field: Field;
  value: unknown;
  onChange: (value: unknown) => void;
  testId: string;
  id: string;
}) {
  const [draft, setDraft] = useState(formatValue(value));
  // Follow outside changes (undo, a preset) unless the draft already says the same
  // (React's "adjust state when a prop changes" pattern: no effect, no extra render pass).
  const valueKey = JSON.stringify(value) ?? "";
  const [seen, setSeen] = useState(valueKey);
  if (seen !== valueKey) {
    setSeen(valueKey);
    if ((JSON.stringify(parseInput(draft, field.widget)) ?? "") !== valueKey) setDraft(formatValue(value));
  }

  const placeholder = field.default === undefined || field.default === null ? (field.required ? "required" : "auto") : formatValue(field.default);
  const widget = field.widget;

  if (widget.kind === "boolean") {
    const checked = typeof value === "boolean" ? value : field.default === true;
    return <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />;
  }
  if (widget.kind === "enum") {
    const current = typeof value === "string" ? value : typeof field.default === "string" ? field.default : "";
    return (
      <select id={id} value={current} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {!field.required && field.default === undefined && <option value="">(unset)</option>}
        {widget.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  }
  const numeric = widget.kind === "number";
  return (
    <input
      id={id}
      type="text"
      inputMode={numeric ? "decimal" : "text"}
      value={draft}
      placeholder={placeholder}
      onChange={(e) => {
        setDraft(e.target.value);
        onChange(parseInput(e.target.value, widget));
      }}
      data-testid={testId}
      spellCheck={false}
    />
  );
}

export function SchemaForm({ schema, values, onChange, testIdPrefix, errors = [] }: Props) {
  const base = useId();
  const fields = fieldsOf(schema);
  if (fields.length === 0) return <p className="muted">No params.</p>;
  return (
    <div className="form">
      {fields.map((field) => {
        const id = `${base}-${field.key}`;
        const mine = errors.filter((e) => e.field === field.key || e.field?.endsWith(`.${field.key}`));
        return (
          <div key={field.key} className={`form-row${mine.length > 0 ? " invalid" : ""}`}>
            <label htmlFor={id} title={field.description}>
              {field.key}
              {field.required && <span aria-label="required"> *</span>}
            </label>
            <FieldInput
              field={field}
              value={values[field.key]}
              onChange={(v) => onChange(field.key, v)}
              testId={`${testIdPrefix}${field.key}`}
              id={id}
            />
            {field.description && (
              <small className="hint" title={field.description}>
                {field.description}
              </small>
            )}
            {mine.map((e, i) => (
              <small key={i} className="field-error" role="alert">
                {e.message}
              </small>
            ))}
          </div>
        );
      })}
    </div>
  );
}
