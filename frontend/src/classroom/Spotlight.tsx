// The spotlight, on the teacher's page: one student's run full screen for the projector,
// their name, their network drawn and their loss and accuracy curves in large type. The
// run's record (GET /api/runs/{id}) and its metric history (GET .../metrics, only the rows
// after the last one held) are polled while it is shown. Escape or Close ends it (the
// teacher's page clears the class's spotlight).
import "./classroom.css";
import { useEffect, useRef, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { MetricsRow, NetworkSpec, RunRecord } from "../api/types";
import { percent } from "../components/probes/ProbePanel";
import { usePlayground } from "../context";
import { NetworkDrawing } from "./NetworkDrawing";
import { rangeOf, scaleXY, thin } from "./sparkline";

const POLL_MS = 1000;
/** Points drawn per curve: plenty for a projector, little for a long run's history. */
const MAX_POINTS = 400;
const CHART = { width: 560, height: 220, pad: 8 };

interface Props {
  runId: string;
  /** The student's name (from the grid), shown large. */
  student: string;
  onClose: () => void;
}

export function Spotlight({ runId, student, onClose }: Props) {
  const [run, setRun] = useState<RunRecord | null>(null);
  const [rows, setRows] = useState<MetricsRow[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const layers = usePlayground((s) => s.catalog.layers);
  const categoryOf = (type: string) => layers.find((l) => l.type === type)?.category ?? "unknown";

  useEffect(() => {
    let live = true;
    let busy = false;
    let last = -1;
    // The teacher's panel keys this by the run, so that another run starts from empty state.
    let held: MetricsRow[] = [];
    const load = async () => {
      if (busy) return;
      busy = true;
      try {
        const [record, fresh] = await Promise.all([api.getRun(runId), api.metrics(runId, last)]);
        if (!live) return;
        setRun(record);
        if (fresh.length > 0) {
          held = [...held, ...fresh];
          last = fresh[fresh.length - 1]?.step ?? last;
          setRows(held);
        }
        setProblem(null);
      } catch (error) {
        if (live) setProblem(errorMessage(error));
      } finally {
        busy = false;
      }
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [runId]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    closeRef.current?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const spec = run?.config.network as NetworkSpec | undefined;
  const latest = rows[rows.length - 1];
  // Not every row is evaluated on the test set: the newest that was.
  const tested = rows.findLast((r) => typeof r.test_acc === "number");
  return (
    <div className="overlay spotlight-overlay" role="dialog" aria-modal="true" aria-label={`Spotlight: ${student}`}>
      <div className="spotlight" data-testid="spotlight" data-run={runId}>
        <header className="spotlight-head">
          <h2 data-testid="spotlight-name">{student}</h2>
          <span className="spotlight-run">
            {run?.name ?? runId}
            {run && <span className={`badge status-${run.status}`}>{run.status}</span>}
          </span>
          <span className="spotlight-facts">
            step <strong data-testid="spotlight-step">{run?.step ?? latest?.step ?? 0}</strong>
            {" · "}test acc. <strong>{percent(tested?.test_acc ?? null)}</strong>
          </span>
          <button ref={closeRef} type="button" onClick={onClose} data-testid="spotlight-close" title="Close (Esc)">
            Close
          </button>
        </header>
        {problem && (
          <p className="field-error" role="alert">
            cannot read the run: {problem}
          </p>
        )}
        <div className="spotlight-body">
          <div className="spotlight-network">{spec ? <NetworkDrawing spec={spec} testId="spotlight-network" categoryOf={categoryOf} /> : <p className="muted">Loading…</p>}</div>
          <div className="spotlight-curves">
            <Curves rows={rows} />
          </div>
        </div>
      </div>
    </div>
  );
}

interface Series {
  label: string;
  className: string;
  points: [number, number][];
}

function Chart({ title, testId, series, yRange, format }: { title: string; testId: string; series: Series[]; yRange: [number, number]; format: (v: number) => string }) {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const xRange = rangeOf(xs, 0);
  const drawn = series.map((s) => ({ ...s, line: scaleXY(s.points, xRange, yRange, CHART) }));
  const total = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <figure className="spotlight-chart">
      <figcaption>
        {title}
        {series.map((s) => (
          <span key={s.label} className={`legend ${s.className}`}>
            {s.label}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${CHART.width} ${CHART.height}`} data-testid={testId} data-points={total} role="img" aria-label={title}>
        <text x={CHART.pad} y={CHART.pad + 14} className="axis">
          {format(yRange[1])}
        </text>
        <text x={CHART.pad} y={CHART.height - CHART.pad} className="axis">
          {format(yRange[0])}
        </text>
        {drawn.map((s) => s.line && <polyline key={s.label} points={s.line} className={s.className} fill="none" />)}
      </svg>
    </figure>
  );
}

function Curves({ rows }: { rows: readonly MetricsRow[] }) {
  const shown = thin(rows, MAX_POINTS);
  const pairs = (pick: (r: MetricsRow) => number | null | undefined): [number, number][] =>
    shown.flatMap((r) => {
      const v = pick(r);
      return typeof v === "number" && Number.isFinite(v) ? [[r.step, v] as [number, number]] : [];
    });
  const train = pairs((r) => r.train_loss);
  const test = pairs((r) => r.test_loss);
  const acc = pairs((r) => r.test_acc);
  const trainAcc = pairs((r) => r.train_acc);
  const lossRange = rangeOf([...train, ...test].map(([, v]) => v), 0);
  return (
    <>
      <Chart
        title="Loss"
        testId="spotlight-loss"
        series={[
          { label: "train", className: "curve-train", points: train },
          { label: "test", className: "curve-test", points: test },
        ]}
        yRange={lossRange}
        format={(v) => v.toPrecision(2)}
      />
      <Chart
        title="Accuracy"
        testId="spotlight-accuracy"
        series={[
          { label: "train", className: "curve-train", points: trainAcc },
          { label: "test", className: "curve-test", points: acc },
        ]}
        yRange={[0, 1]}
        format={(v) => `${Math.round(v * 100)}%`}
      />
    </>
  );
}
