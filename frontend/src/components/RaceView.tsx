// The optimizer race: six optimizers descend one 2-D function from one start, animated over
// its contours. Settings changed while it plays are raced again (debounced) and the animation
// goes on from the same step, so that the effect of a learning rate shows at once.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, errorMessage } from "../api/client";
import type { Params, RaceFunction, RaceResult } from "../api/types";
import { usePlayground } from "../context";
import { advance, continueAt, divergedBy } from "../race/animation";
import type { Point } from "../race/coords";
import { defaultParams, defaultSettings, RACERS, raceRequest, type RacerSettings } from "../race/racers";
import { RaceContour } from "./RaceContour";
import { RaceLoss } from "./RaceLoss";
import "./RaceView.css";

/** Quiet time after the last change before the race is asked for again. */
const DEBOUNCE_MS = 250;
const DEFAULT_STEPS = 500;
const MAX_STEPS = 5000;

/** A number input that keeps what is typed and reports only values within its bounds. */
function NumberField(props: {
  value: number;
  onValue: (v: number) => void;
  testId: string;
  label: string;
  min: number;
  max: number;
  /** The lower bound itself is refused (a learning rate of 0). */
  exclusiveMin?: boolean;
  integer?: boolean;
  step?: number;
}) {
  const { value, onValue, testId, label, min, max, exclusiveMin = false, integer = false, step } = props;
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // The value changed from outside (another function's defaults): show it.
    setShown(value);
    setText(String(value));
  }
  const valid = (v: number) => Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max && (!integer || Number.isInteger(v));
  const bad = !valid(Number(text)) || text.trim() === "";
  return (
    <input
      type="number"
      aria-label={label}
      data-testid={testId}
      className={bad ? "invalid" : undefined}
      aria-invalid={bad}
      value={text}
      min={min}
      max={max}
      step={step ?? "any"}
      onChange={(e) => {
        setText(e.target.value);
        const v = Number(e.target.value);
        if (e.target.value.trim() !== "" && valid(v)) {
          setShown(v);
          onValue(v);
        }
      }}
    />
  );
}

/** The same course: the old paths are worth continuing from their step. */
const courseOf = (fn: string, params: Params, start: readonly number[]): string => JSON.stringify([fn, params, start]);

export function RaceView({ onClose }: { onClose: () => void }) {
  const optimizers = usePlayground((s) => s.catalog.optimizers);
  const [functions, setFunctions] = useState<RaceFunction[]>([]);
  const [fnName, setFnName] = useState("");
  const [params, setParams] = useState<Params>({});
  const [start, setStart] = useState<Point>([0, 0]);
  const [steps, setSteps] = useState(DEFAULT_STEPS);
  const [settings, setSettings] = useState<RacerSettings[]>([]);
  const [result, setResult] = useState<RaceResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [step, setStep] = useState(0);
  const [playing, setPlaying] = useState(true);
  const shownCourse = useRef("");
  const fn = functions.find((f) => f.name === fnName);

  const pick = useCallback((f: RaceFunction) => {
    setFnName(f.name);
    setParams(defaultParams(f.params_schema));
    setStart(f.start);
    setSettings(defaultSettings(f.name));
  }, []);

  useEffect(() => {
    let cancelled = false;
    api
      .raceFunctions()
      .then((list) => {
        if (cancelled) return;
        setFunctions(list);
        const first = list.find((f) => f.name === "quadratic") ?? list[0];
        if (first) pick(first);
      })
      .catch((error: unknown) => !cancelled && setProblem(`cannot read the race's functions: ${errorMessage(error)}`));
    return () => {
      cancelled = true;
    };
  }, [pick]);

  useEffect(() => {
    if (!fnName || settings.length === 0) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .race(raceRequest({ fn: fnName, params, start, steps, settings }, optimizers), controller.signal)
        .then((race) => {
          const course = courseOf(race.function, race.params, race.start);
          const same = course === shownCourse.current;
          shownCourse.current = course;
          setResult(race);
          setProblem(null);
          setStep((s) => continueAt(s, race.steps, same));
          if (!same) setPlaying(true);
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          const detail = error instanceof ApiError && error.errors.length > 0 ? error.errors.map((e) => `${e.field ?? ""}: ${e.message}`).join("; ") : errorMessage(error);
          setProblem(`The race was refused: ${detail}`);
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [fnName, params, start, steps, settings, optimizers]);

  // The clock: one step forward per frame's share of stepsPerSecond, stopping at the end.
  const total = result?.steps ?? 0;
  useEffect(() => {
    if (!playing || total === 0) return;
    let last = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const dt = now - last;
      last = now;
      setStep((s) => advance(s, dt, total));
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, total]);
  const ended = total > 0 && step >= total;
  if (playing && ended) setPlaying(false);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const setRacer = (i: number, change: Partial<RacerSettings>) =>
    setSettings((all) => all.map((s, k) => (k === i ? { ...s, ...change } : s)));

  const play = () => {
    if (ended) setStep(0);
    setPlaying((p) => !p || ended);
  };

  const paramEntries = Object.entries(fn?.params_schema.properties ?? {});
  return (
    <div className="race-view" data-testid="race-view" role="dialog" aria-label="Optimizer race">
      <header className="race-head">
        <h2>Optimizer race</h2>
        <label>
          function{" "}
          <select data-testid="race-function" value={fnName} onChange={(e) => {
            const f = functions.find((g) => g.name === e.target.value);
            if (f) pick(f);
          }}>
            {functions.map((f) => (
              <option key={f.name} value={f.name} title={f.doc}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        {paramEntries.map(([name, schema]) => (
          <label key={name} title={schema.description}>
            {name === "condition" ? "condition κ" : name}{" "}
            <NumberField
              testId={`race-param-${name}`}
              label={name}
              value={typeof params[name] === "number" ? params[name] : 0}
              min={schema.minimum ?? -Infinity}
              max={schema.maximum ?? Infinity}
              onValue={(v) => setParams((p) => ({ ...p, [name]: v }))}
            />
          </label>
        ))}
        <label>
          steps <NumberField testId="race-steps" label="steps" value={steps} min={1} max={MAX_STEPS} integer step={50} onValue={setSteps} />
        </label>
        <button type="button" data-testid="race-play" onClick={play} aria-pressed={playing}>
          {playing ? "❚❚ Pause" : "▶ Play"}
        </button>
        <button type="button" data-testid="race-restart" onClick={() => { setStep(0); setPlaying(true); }}>
          ↺ Restart
        </button>
        <span className="race-step" data-testid="race-step">
          step {Math.floor(step)} / {total}
        </span>
        <button type="button" className="race-close" data-testid="race-close" onClick={onClose} title="Back to the playground (Esc)">
          ✕ Close
        </button>
      </header>
      {fn && (
        <p className="race-doc">
          <code>{fn.formula}</code> {fn.doc} Click on the plot to start the race there.
        </p>
      )}
      {problem && (
        <p className="race-problem" role="alert" data-testid="race-error">
          {problem}
        </p>
      )}
      <div className="race-body">
        <RaceContour result={result} domain={fn?.domain ?? [[-1, 1], [-1, 1]]} step={step} onStart={setStart} />
        <aside className="race-side">
          <table className="race-legend" data-testid="race-legend">
            <thead>
              <tr>
                <th>racer</th>
                <th>lr</th>
                <th>momentum</th>
                <th>f now</th>
              </tr>
            </thead>
            <tbody>
              {RACERS.map((r, i) => {
                const s = settings[i];
                const path = result?.racers[i];
                const k = path ? Math.min(Math.floor(step), path.loss.length - 1) : -1;
                return (
                  <tr key={r.key}>
                    <td>
                      <span className="race-swatch" style={{ background: r.colour }} /> {r.label}
                    </td>
                    <td>
                      {s && <NumberField testId={`race-lr-${r.key}`} label={`${r.label} learning rate`} value={s.lr} min={0} exclusiveMin max={10} onValue={(lr) => setRacer(i, { lr })} />}
                    </td>
                    <td>
                      {s && s.momentum !== null && (
                        <NumberField testId={`race-momentum-${r.key}`} label={`${r.label} momentum`} value={s.momentum} min={0} max={0.999} step={0.05} onValue={(momentum) => setRacer(i, { momentum })} />
                      )}
                    </td>
                    <td data-testid={`race-status-${r.key}`}>
                      {path && divergedBy(path, step) ? (
                        <span className="race-diverged-note" data-testid={`race-diverged-${r.key}`}>
                          diverged at step {path.stopped_at}
                        </span>
                      ) : path && k >= 0 ? (
                        (path.loss[k] ?? NaN).toPrecision(3)
                      ) : (
                        ""
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <RaceLoss result={result} step={step} />
        </aside>
      </div>
    </div>
  );
}
