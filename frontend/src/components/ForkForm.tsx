// The runs list's fork form: one training field of a run changed, its weights fresh (from
// the seed, step 0) or the source's latest saved ones; the fork is created, started and
// compared with its source (the source as the base). A refused value is said by its field.
import { useEffect, useMemo, useState } from "react";
import { api, ApiError, errorMessage } from "../api/client";
import type { RunRecord, RunSummary } from "../api/types";
import { forkBody, forkFields, forkValue, sourceText, type ForkWeights } from "../compare/fork";
import { usePlayground, usePlaygroundContext } from "../context";


/** The refusal's messages that name the field (`training.lr` or `lr`), else its whole message. */
function refusalOf(error: unknown, field: string): { byField: string | null; other: string | null } {
  if (error instanceof ApiError && error.errors.length > 0) {
    const named = error.errors.filter((e) => e.field?.split(".").pop() === field).map((e) => e.message);
    if (named.length > 0) return { byField: named.join("; "), other: null };
    return { byField: null, other: `${error.message}: ${error.errors.map((e) => e.message).join("; ")}` };
  }
  return { byField: null, other: errorMessage(error) };
}

interface Props {
  source: RunSummary;
  onClose: () => void;
  /** The fork was made (the list shows it). */
  onForked: () => void;
}

export function ForkForm({ source, onClose, onForked }: Props) {
  const { comparison } = usePlaygroundContext();
  const optimizers = usePlayground((s) => s.catalog.optimizers);
  const fields = useMemo(() => forkFields(optimizers), [optimizers]);
  const [record, setRecord] = useState<RunRecord | null>(null);
  const [name, setName] = useState("optimizer");
  const [text, setText] = useState<string | null>(null);
  const [weights, setWeights] = useState<ForkWeights>("fresh");
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.getRun(source.id).then(
      (r) => live && setRecord(r),
      (e: unknown) => live && setError(`cannot read the run: ${errorMessage(e)}`),
    );
    return () => {
      live = false;
    };
  }, [source.id]);

  const field = fields.find((f) => f.name === name) ?? fields[0];
  if (field === undefined) return null;
  // Until the user types, the value is the source's.
  const shown = text ?? sourceText(field, record?.config.training);
  const checkpoint = record?.checkpoint ?? source.checkpoint;
  const parsed = forkValue(field, shown);
  const problem = "problem" in parsed ? parsed.problem : null;

  const pick = (next: string) => {
    setName(next);
    setText(null);
    setFieldError(null);
  };

  const submit = async () => {
    if ("problem" in parsed) return;
    setBusy(true);
    setFieldError(null);
    setError(null);
    let fork: RunRecord;
    try {
      fork = await api.forkRun(source.id, forkBody(field.name, parsed.value, weights));
    } catch (e) {
      const refusal = refusalOf(e, field.name);
      setFieldError(refusal.byField);
      setError(refusal.other);
      setBusy(false);
      return;
    }
    onForked();
    comparison.add({ id: source.id, name: source.name, status: source.status, step: source.step, bestTestAcc: source.best_test_acc ?? null }, true);
    comparison.add({ id: fork.id, name: fork.name, status: fork.status, step: fork.step });
    try {
      await api.control(fork.id, "start");
      onClose();
    } catch (e) {
      setError(`“${fork.name}” was made but cannot start: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="fork-form"
      data-testid="fork-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="row">
        <span>change</span>
        <select value={field.name} onChange={(e) => pick(e.target.value)} data-testid="fork-field">
          {fields.map((f) => (
            <option key={f.name} value={f.name}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <label className="row">
        <span>to</span>
        {field.kind === "number" ? (
          <input type="text" inputMode="decimal" value={shown} onChange={(e) => setText(e.target.value)} aria-invalid={problem !== null || fieldError !== null} data-testid="fork-value" />
        ) : (
          <select value={shown} onChange={(e) => setText(e.target.value)} data-testid="fork-value">
            {(field.kind === "choice" ? field.choices : ["false", "true"]).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        )}
      </label>
      {(fieldError ?? problem) !== null && (
        <small className="field-error" role="alert" data-testid="fork-field-error">
          {fieldError ?? problem}
        </small>
      )}
      <fieldset className="fork-weights">
        <legend>weights</legend>
        <label title="New weights from the seed, from step 0">
          <input type="radio" name={`weights-${source.id}`} checked={weights === "fresh"} onChange={() => setWeights("fresh")} data-testid="fork-weights-fresh" /> fresh
        </label>
        <label title="The source's latest saved weights, with a fresh optimizer">
          <input
            type="radio"
            name={`weights-${source.id}`}
            checked={weights === "current"}
            disabled={!checkpoint}
            onChange={() => setWeights("current")}
            data-testid="fork-weights-current"
          />{" "}
          its current weights
        </label>
      </fieldset>
      {!checkpoint && (
        <small className="muted" data-testid="fork-weights-note">
          {record === null ? "reading the run…" : "no saved weights yet: the server saves them as the run trains"}
        </small>
      )}
      {error && (
        <small className="field-error" role="alert" data-testid="fork-error">
          {error}
        </small>
      )}
      <div className="runs-actions">
        <button type="submit" disabled={busy || problem !== null || record === null} data-testid="fork-submit" title="Make the fork, train it and compare it with this run">
          fork and compare
        </button>
        <button type="button" onClick={onClose} data-testid="fork-cancel">
          cancel
        </button>
      </div>
    </form>
  );
}
