// Every problem with the network, in the server's words; a click selects the node concerned.
import { useShallow } from "zustand/react/shallow";
import { useActions, usePlayground } from "../context";
import { allErrors } from "../state/store";
import { formatCount } from "./LayerNodeView";

export function SpecErrors() {
  const errors = usePlayground(useShallow((s) => allErrors(s)));
  const validating = usePlayground((s) => s.validating);
  const problem = usePlayground((s) => s.validationProblem);
  const report = usePlayground((s) => s.validation);
  const { select } = useActions();
  const ok = report?.valid === true && errors.length === 0;
  return (
    <section
      className={`spec-errors${errors.length > 0 ? " has-errors" : ""}`}
      data-testid="spec-errors"
      aria-live="polite"
      aria-label="Problems with the network"
    >
      <header>
        {errors.length > 0
          ? `${errors.length} problem${errors.length === 1 ? "" : "s"}`
          : ok
            ? `✓ valid network, ${formatCount(report.total_params)} parameters`
            : report === null
              ? "checking the network…"
              : "no problems"}
        {validating && <span className="spinner" aria-label="checking" />}
      </header>
      {problem && <p className="spec-problem">{problem}</p>}
      {errors.length > 0 && (
        <ul>
          {errors.map((e, i) => (
            <li key={i}>
              {e.node ? (
                <button type="button" className="link" onClick={() => select(e.node ?? null)}>
                  {e.node}
                </button>
              ) : (
                <strong>{e.field?.startsWith("dataset") ? "dataset" : e.field?.startsWith("training") ? "training" : "network"}</strong>
              )}
              {e.field && e.field !== "edges" ? <code>{e.field}</code> : null}
              <span className="message">{e.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
