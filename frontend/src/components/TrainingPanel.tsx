// Optimizer and its settings. While a run trains, the live ones (lr, momentum,
// Nesterov, weight decay, batch size, max steps) are sent to it as they change.
import { useState } from "react";
import type { OptimizerName, TrainingConfig } from "../api/types";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { OPTIMIZERS } from "../state/setup";

type NumberKey = "lr" | "momentum" | "weight_decay" | "batch_size" | "max_steps" | "seed";

interface NumberFieldProps {
  field: NumberKey;
  label: string;
  testId: string;
  integer?: boolean;
  min: number;
  max: number;
  help: string;
  onCommit: (changes: Partial<TrainingConfig>) => void;
}

function NumberField({ field, label, testId, integer = false, min, max, help, onCommit }: NumberFieldProps) {
  const value = usePlayground((s) => s.training[field]);
  const [draft, setDraft] = useState(String(value));
  const [invalid, setInvalid] = useState(false);
  // Follow outside changes (a preset, a link) without an effect.
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    if (Number(draft) !== value) {
      setDraft(String(value));
      setInvalid(false);
    }
  }
  return (
    <label className={`row${invalid ? " invalid" : ""}`} title={help}>
      <span>{label}</span>
      <input
        type="text"
        inputMode="decimal"
        value={draft}
        data-testid={testId}
        aria-invalid={invalid}
        onChange={(e) => {
          setDraft(e.target.value);
          const n = Number(e.target.value);
          const ok = e.target.value.trim() !== "" && Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n));
          setInvalid(!ok);
          if (ok) onCommit({ [field]: n });
        }}
      />
      {invalid && (
        <small className="field-error">
          {integer ? "a whole number" : "a number"} from {min} to {max}
        </small>
      )}
    </label>
  );
}

export function TrainingPanel() {
  const { controller } = usePlaygroundContext();
  const training = usePlayground((s) => s.training);
  const hasRun = usePlayground((s) => s.run.id !== null);
  const actions = useActions();

  const commit = (changes: Partial<TrainingConfig>) => {
    actions.setTraining(changes);
    controller.trainingChanged(changes);
  };
  const usesMomentum = training.optimizer === "sgd" || training.optimizer === "rmsprop";

  return (
    <section className="panel" aria-label="Training">
      <h2>Training</h2>
      <label className="row" title="How the weights are updated from the gradient.">
        <span>optimizer</span>
        <select
          value={training.optimizer}
          onChange={(e) => commit({ optimizer: e.target.value as OptimizerName })}
          data-testid="optimizer-select"
        >
          {OPTIMIZERS.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </label>
      {hasRun && <small className="hint">optimizer and seed apply to the next run</small>}
      <NumberField field="lr" label="learning rate" testId="lr-input" min={1e-7} max={10} help="Step size of each update." onCommit={commit} />
      {usesMomentum && (
        <NumberField field="momentum" label="momentum" testId="momentum-input" min={0} max={0.999} help="Fraction of the previous update carried on." onCommit={commit} />
      )}
      {training.optimizer === "sgd" && (
        <label className="row" title="Look ahead along the momentum before taking the gradient (needs momentum > 0).">
          <span>Nesterov</span>
          <input
            type="checkbox"
            checked={training.nesterov}
            onChange={(e) => commit({ nesterov: e.target.checked })}
            data-testid="nesterov-input"
          />
        </label>
      )}
      <NumberField field="weight_decay" label="weight decay" testId="weight-decay-input" min={0} max={1} help="L2 penalty pulling weights towards zero." onCommit={commit} />
      <NumberField field="batch_size" label="batch size" testId="batch-size-input" integer min={1} max={4096} help="Samples per step." onCommit={commit} />
      <NumberField field="max_steps" label="max steps" testId="max-steps-input" integer min={1} max={10_000_000} help="Training stops after this many steps." onCommit={commit} />
      <NumberField field="seed" label="seed" testId="seed-input" integer min={0} max={2 ** 31 - 1} help="Seeds weights, batch order and dropout." onCommit={commit} />
    </section>
  );
}
