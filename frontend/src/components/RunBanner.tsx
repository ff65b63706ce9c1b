// Why the run failed or a control was refused, above the canvas where the eyes are. When
// the server's run limit refused the start, it offers to make room (stop the oldest other
// active run) and train.
import { useActions, usePlayground, usePlaygroundContext } from "../context";

export function RunBanner() {
  const { controller } = usePlaygroundContext();
  const error = usePlayground((s) => s.run.error);
  const status = usePlayground((s) => s.run.status);
  const atRunLimit = usePlayground((s) => s.run.atRunLimit);
  const busy = usePlayground((s) => s.run.busy);
  const { updateRun } = useActions();
  if (!error) return null;
  return (
    <div className={`banner ${status === "failed" ? "failed" : "warning"}`} role="alert" data-testid="run-error">
      <strong>{status === "failed" ? "The run failed: " : ""}</strong>
      <span>{error}</span>
      {atRunLimit && (
        <button
          type="button"
          onClick={() => void controller.makeRoomAndPlay()}
          disabled={busy}
          data-testid="btn-make-room"
          title="Stop the oldest active run other than this one, then train this one"
        >
          Stop the oldest idle run and train this one
        </button>
      )}
      <button type="button" className="close" onClick={() => updateRun({ error: null, atRunLimit: false })} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
