// Optimizer and its settings. The optimizer menu and each optimizer's hyperparameter
// fields come from the server's registry (GET /api/optimizers: each entry's params as
// JSON Schema), so an optimizer added there needs no change here. While a run trains,
// the settings in its optimizer's `live` list are sent to it as they change. A field whose
// text is no valid value blocks Play (the store's fieldProblems, said beside the button);
// one whose live change the run refused says why and shows the value the run kept.
import { useEffect, useState } from "react";
import type { TrainingConfig } from "../api/types";
import { useLocked } from "../classroom/classState";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import type { NumberBounds } from "../forms/schema";
import { fieldProblem, fieldTestId, hyperparameterFields, refusedTestId, type TrainingField } from "../forms/training";
import { optimizerInfo, trainingValue } from "../state/setup";

interface NumberFieldProps {
  field: string;
  label: string;
  bounds: NumberBounds;
  help: string;
  /** Shown when the setup has no value for it (an optimizer's default). */
  fallback?: number;
  onCommit: (changes: Partial<TrainingConfig>) => void;
}

function NumberField({ field, label, bounds, help, fallback, onCommit }: NumberFieldProps) {
  const stored = usePlayground((s) => trainingValue(s.training, field));
  const value = typeof stored === "number" ? stored : (fallback ?? null);
  const [draft, setDraft] = useState(value === null ? "" : String(value));
  const [problem, setProblem] = useState<string | null>(null);
  const refused = usePlayground((s) => s.run.refused[field]);
  const { setFieldProblem } = useActions();
  // Follow outside changes (a preset, a link, the value a run kept) without an effect.
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    if (value !== null && Number(draft) !== value) {
      setDraft(String(value));
      setProblem(null);
    }
  }
  // The store hears of the problem while the field holds it (and no longer once it is gone).
  useEffect(() => {
    if (problem === null) return;
    setFieldProblem(field, problem);
    return () => setFieldProblem(field, null);
  }, [field, problem, setFieldProblem]);
  const invalid = problem !== null;
  return (
    <label className={`row${invalid || refused ? " invalid" : ""}`} title={help}>
      <span>{label}</span>
      <input
        type="text"
        inputMode="decimal"
        value={draft}
        data-testid={fieldTestId(field)}
        aria-invalid={invalid}
        onChange={(e) => {
          setDraft(e.target.value);
          const why = fieldProblem(label, bounds, e.target.value);
          setProblem(why);
          if (why === null) onCommit({ [field]: Number(e.target.value) });
        }}
      />
      {invalid && <small className="field-error">{problem}</small>}
      {refused && !invalid && (
        <small className="field-error" role="alert" data-testid={refusedTestId(field)}>
          The run refused this change and keeps {value ?? "its value"}: {refused}
        </small>
      )}
    </label>
  );
}

interface BooleanFieldProps {
  field: string;
  label: string;
  help: string;
  fallback: boolean;
  onCommit: (changes: Partial<TrainingConfig>) => void;
}

function BooleanField({ field, label, help, fallback, onCommit }: BooleanFieldProps) {
  const stored = usePlayground((s) => trainingValue(s.training, field));
  return (
    <label className="row" title={help}>
      <span>{label}</span>
      <input
        type="checkbox"
        checked={typeof stored === "boolean" ? stored : fallback}
        onChange={(e) => onCommit({ [field]: e.target.checked })}
        data-testid={fieldTestId(field)}
      />
    </label>
  );
}

/** One hyperparameter of the optimizer, from its JSON Schema. */
function HyperparameterField({ field, onCommit }: { field: TrainingField; onCommit: (changes: Partial<TrainingConfig>) => void }) {
  if (field.kind === "boolean") {
    return <BooleanField field={field.name} label={field.label} help={field.help} fallback={field.default} onCommit={onCommit} />;
  }
  return <NumberField field={field.name} label={field.label} bounds={field.bounds} help={field.help} fallback={field.default} onCommit={onCommit} />;
}

const BATCH_SIZE: NumberBounds = { integer: true, min: { value: 1, exclusive: false }, max: { value: 4096, exclusive: false } };
const MAX_STEPS: NumberBounds = { integer: true, min: { value: 1, exclusive: false }, max: { value: 10_000_000, exclusive: false } };
const SEED: NumberBounds = { integer: true, min: { value: 0, exclusive: false }, max: { value: 2 ** 31 - 1, exclusive: false } };

export function TrainingPanel() {
  const { controller } = usePlaygroundContext();
  const optimizer = usePlayground((s) => s.training.optimizer);
  const optimizers = usePlayground((s) => s.catalog.optimizers);
  const hasRun = usePlayground((s) => s.run.id !== null);
  const actions = useActions();
  // In a class whose teacher locked the training settings, they show but cannot change.
  const locked = useLocked("training");

  const commit = (changes: Partial<TrainingConfig>) => {
    actions.setTraining(changes);
    controller.trainingChanged(changes);
  };
  const info = optimizerInfo(optimizers, optimizer);
  const hyperparameters = hyperparameterFields(info);

  return (
    <section className="panel" aria-label="Training" data-locked={locked || undefined}>
      <h2>Training</h2>
      {locked && (
        <p className="lock-note" data-testid="lock-note-training">
          🔒 locked by your teacher
        </p>
      )}
      <fieldset className="lockable" disabled={locked} data-locked={locked || undefined} data-testid="training-fields">
      <label className="row" title={info?.doc ?? "How the weights are updated from the gradient."}>
        <span>optimizer</span>
        <select value={optimizer} onChange={(e) => commit({ optimizer: e.target.value })} data-testid="optimizer-select">
          {/* Until the registry comes, the setup's own choice is the only one. */}
          {(optimizers.length > 0 ? optimizers : [{ name: optimizer, doc: "" }]).map((o) => (
            <option key={o.name} value={o.name} title={o.doc}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      {hasRun && <small className="hint">optimizer and seed apply to the next run</small>}
      {hyperparameters.map((field) => (
        <HyperparameterField key={`${optimizer}:${field.name}`} field={field} onCommit={commit} />
      ))}
      <NumberField field="batch_size" label="batch size" bounds={BATCH_SIZE} help="Samples per step." onCommit={commit} />
      <NumberField field="max_steps" label="max steps" bounds={MAX_STEPS} help="Training stops after this many steps." onCommit={commit} />
      <NumberField field="seed" label="seed" bounds={SEED} help="Seeds weights, batch order and dropout." onCommit={commit} />
      </fieldset>
    </section>
  );
}
