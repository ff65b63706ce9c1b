// How fast the run may train: a lesson's pace (training.max_steps_per_s; 0 is full speed),
// so that a class can watch the boundary form instead of seeing it done. It is sent with
// the run when play creates it, and live while the run trains.
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { paceLabel, pacesShown } from "../forms/pace";
import { refusedTestId } from "../forms/training";

export function SpeedControl() {
  const { controller } = usePlaygroundContext();
  const pace = usePlayground((s) => s.training.max_steps_per_s);
  const refused = usePlayground((s) => s.run.refused.max_steps_per_s);
  const { setTraining } = useActions();
  const choose = (value: number) => {
    setTraining({ max_steps_per_s: value });
    controller.trainingChanged({ max_steps_per_s: value });
  };
  return (
    <div className="speed-control" role="group" aria-label="Speed: steps per second at most" data-testid="speed-control" data-value={pace}>
      <span className="muted">speed</span>
      {pacesShown(pace).map((p) => (
        <button
          key={p}
          type="button"
          aria-pressed={p === pace}
          onClick={() => choose(p)}
          data-testid={`speed-${p}`}
          title={p === 0 ? "As fast as the server can train" : `At most ${p} steps per second`}
        >
          {paceLabel(p)}
        </button>
      ))}
      {refused && (
        <small className="field-error" role="alert" data-testid={refusedTestId("max_steps_per_s")}>
          The run refused this speed: {refused}
        </small>
      )}
    </div>
  );
}
