// Play, pause, step, reset; the run's status, step count, speed and latest numbers.
// Which controls apply is the run's `actions` (the server's lifecycle table). A settings
// field without a valid value blocks play and step, and the reason is said here.
import "./RunControls.css";
import { useShallow } from "zustand/react/shallow";
import { usePlayground, usePlaygroundContext } from "../context";
import { useTrainerStarting } from "../hooks/useTrainerStarting";
import { controlsOf } from "../run/controller";
import { blockedSentence, playProblems } from "../run/playBlocked";
import { runKey } from "../state/setup";
import { setupOf } from "../state/store";
import { RunExports } from "./RunExports";
import { SpeedControl } from "./SpeedControl";

function percent(v: number | null): string {
  return v === null ? "–" : `${(v * 100).toFixed(1)}%`;
}

function number(v: number | null): string {
  return v === null ? "–" : v < 0.001 ? v.toExponential(2) : v.toFixed(4);
}

const STATUS_ICON: Record<string, string> = {
  idle: "○",
  created: "○",
  queued: "◔",
  running: "▶",
  paused: "❚❚",
  completed: "✓",
  stopped: "■",
  failed: "✕",
};

export function RunControls() {
  const { controller } = usePlaygroundContext();
  const run = usePlayground((s) => s.run);
  const stale = usePlayground((s) => s.run.key !== null && s.run.key !== runKey(setupOf(s)));
  const ready = usePlayground((s) => s.catalogState === "ready");
  // The run trains: pause applies, play (on this setup) and step do not.
  const training = controlsOf(run).pause;
  const starting = useTrainerStarting(run.status === "queued");
  const problems = usePlayground(useShallow(playProblems));
  const blocked = problems.length > 0;
  const reason = blockedSentence(problems, training && !stale);

  return (
    <section className="panel run-controls" aria-label="Run">
      <div className="buttons">
        <button
          type="button"
          className="primary"
          onClick={() => void controller.play()}
          disabled={!ready || run.busy || blocked || (training && !stale)}
          data-testid="btn-play"
          title="Train (Space)"
        >
          <span aria-hidden="true">▶</span> Play
        </button>
        <button type="button" onClick={() => void controller.pause()} disabled={run.busy || !training} data-testid="btn-pause" title="Pause (Space)">
          <span aria-hidden="true">❚❚</span> Pause
        </button>
        <button type="button" onClick={() => void controller.step()} disabled={!ready || run.busy || blocked || training} data-testid="btn-step" title="One step (.)">
          <span aria-hidden="true">⇥</span> Step
        </button>
        <button
          type="button"
          onClick={() => void controller.reset()}
          disabled={run.busy || (run.id === null && run.error === null)}
          data-testid="btn-reset"
          title="Stop and forget the run (Shift+R)"
        >
          <span aria-hidden="true">↺</span> Reset
        </button>
      </div>
      {reason && (
        <p className="blocked" role="alert" data-testid="play-blocked-reason">
          {reason}
        </p>
      )}
      <SpeedControl />
      <div className="run-line">
        <span className={`badge status-${run.status}`} data-testid="run-status" data-status={run.status}>
          <span aria-hidden="true">{STATUS_ICON[run.status] ?? ""} </span>
          {run.status}
        </span>
        <span className="counter">
          step <strong data-testid="step-count">{run.step}</strong>
        </span>
        <span className="muted" data-testid="steps-per-s">
          {run.stepsPerS !== null && run.status === "running" ? `${Math.round(run.stepsPerS)} steps/s` : ""}
        </span>
      </div>
      <dl className="latest">
        <dt>train loss</dt>
        <dd data-testid="train-loss">{number(run.latest.train_loss)}</dd>
        <dt>test loss</dt>
        <dd data-testid="test-loss">{number(run.latest.test_loss)}</dd>
        <dt>train acc</dt>
        <dd data-testid="train-acc">{percent(run.latest.train_acc)}</dd>
        <dt>test acc</dt>
        <dd data-testid="test-acc" data-value={run.latest.test_acc ?? ""}>
          {percent(run.latest.test_acc)}
        </dd>
      </dl>
      <RunExports />
      {starting && (
        <p className="note" role="status" data-testid="trainer-starting">
          Starting the trainer: the first run waits a few seconds…
        </p>
      )}
      {run.connection === "reconnecting" && (
        <p className="note" role="status">
          Connection lost: reconnecting…
        </p>
      )}
      {stale && run.status !== "idle" && (
        <p className="note" role="status">
          The setup changed since this run was created: play trains a new run.
        </p>
      )}
    </section>
  );
}
