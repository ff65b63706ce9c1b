// Why the run failed or a control was refused, above the canvas where the eyes are.
import { useActions, usePlayground } from "../context";

export function RunBanner() {
  const error = usePlayground((s) => s.run.error);
  const status = usePlayground((s) => s.run.status);
  const { updateRun } = useActions();
  if (!error) return null;
  return (
    <div className={`banner ${status === "failed" ? "failed" : "warning"}`} role="alert" data-testid="run-error">
      <strong>{status === "failed" ? "The run failed: " : ""}</strong>
      <span>{error}</span>
      <button type="button" className="close" onClick={() => updateRun({ error: null })} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
