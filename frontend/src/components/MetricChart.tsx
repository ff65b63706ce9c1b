// A live curve chart: drawn once from the history, then grown with Plotly.extendTraces
// as rows stream in. Each trace keeps a bounded number of points (see Decimator).
import { useEffect, useRef, useState } from "react";
import type { MetricsRow } from "../api/types";
import { Decimator, type DecimatorUpdate } from "../charts/decimate";
import { loadPlotly, type Layout, type PlotlyApi, type Trace } from "../charts/plotly";
import { usePlayground, usePlaygroundContext } from "../context";

export type MetricKey = "train_loss" | "test_loss" | "train_acc" | "test_acc";

export interface Series {
  key: MetricKey;
  name: string;
  color: string;
  dash?: "solid" | "dash" | "dot";
}

interface Props {
  testId: string;
  title: string;
  series: readonly Series[];
  /** Values are fractions, drawn as percentages on a fixed 0-100% axis. */
  percent?: boolean;
  /** Offer a log-scale toggle for the y axis. */
  logToggle?: boolean;
  /** What the empty chart says. */
  empty: string;
}

/** Points each trace keeps on screen (older ones are thinned, see Decimator). */
export const POINTS_PER_TRACE = 1500;

/** Text size, line width and most step ticks of a chart (0: Plotly's choice); presentation mode's are read from the back of a room. */
export interface ChartLook {
  font: number;
  line: number;
  stepTicks: number;
}

export const CHART_LOOK: Readonly<Record<"normal" | "presentation", ChartLook>> = {
  normal: { font: 12, line: 2, stepTicks: 0 },
  // Few enough step labels to stand upright in a narrow chart.
  presentation: { font: 16, line: 3.5, stepTicks: 4 },
};

function column(rows: readonly MetricsRow[], key: MetricKey): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const row of rows) {
    const v = row[key];
    if (typeof v === "number" && Number.isFinite(v)) {
      x.push(row.step);
      y.push(v);
    }
  }
  return { x, y };
}

function layoutOf(percent: boolean, log: boolean, look: ChartLook): Layout {
  return {
    autosize: true,
    margin: { l: 48, r: 12, t: 8, b: 36 },
    font: { size: look.font, family: "system-ui, sans-serif", color: "#1d2733" },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.8)" },
    xaxis: { title: { text: "step" }, zeroline: false, gridcolor: "#e3e8ee", rangemode: "tozero", automargin: true, nticks: look.stepTicks },
    yaxis: percent
      ? { range: [0, 1.02], tickformat: ".0%", gridcolor: "#e3e8ee", zeroline: false, automargin: true }
      : { type: log ? "log" : "linear", gridcolor: "#e3e8ee", zeroline: false, exponentformat: "power", automargin: true },
    uirevision: "keep",
  };
}

const CONFIG = {
  displaylogo: false,
  responsive: false,
  displayModeBar: "hover",
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toImage"],
};

export function MetricChart({ testId, title, series, percent = false, logToggle = false, empty }: Props) {
  const { metrics } = usePlaygroundContext();
  const look = usePlayground((s) => (s.presentation ? CHART_LOOK.presentation : CHART_LOOK.normal));
  const plotRef = useRef<HTMLDivElement>(null);
  const plotlyRef = useRef<PlotlyApi | null>(null);
  const [points, setPoints] = useState(0);
  const [log, setLog] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const settings = useRef({ percent, log, look });
  useEffect(() => {
    settings.current = { percent, log, look };
  });

  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    let disposed = false;
    let plotly: PlotlyApi | null = null;
    let queue: Promise<unknown> = Promise.resolve();
    const decimators = series.map(() => new Decimator(POINTS_PER_TRACE));
    const count = (): number => decimators.reduce((n, d) => n + d.points.x.length, 0);

    /** Run Plotly calls one after another, each after the previous finished. */
    const enqueue = (call: (p: PlotlyApi) => Promise<unknown> | void): void => {
      queue = queue
        .then(() => (disposed || !plotly ? undefined : call(plotly)))
        .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
    };

    const feed = (rows: readonly MetricsRow[]): DecimatorUpdate[] =>
      series.map((s, i) => {
        const { x, y } = column(rows, s.key);
        return (decimators[i] as Decimator).push(x, y);
      });

    const traces = (): Trace[] =>
      series.map((s, i) => {
        const { x, y } = (decimators[i] as Decimator).points;
        return {
          x: [...x],
          y: [...y],
          name: s.name,
          type: "scatter",
          mode: "lines",
          line: { color: s.color, width: settings.current.look.line, dash: s.dash ?? "solid" },
          hovertemplate: percent ? "step %{x}: %{y:.1%}<extra>%{fullData.name}</extra>" : undefined,
        };
      });

    loadPlotly()
      .then((p) => {
        if (disposed) return;
        plotly = p;
        plotlyRef.current = p;
        feed(metrics.all);
        const data = traces();
        const { percent: pc, log: lg, look: lk } = settings.current;
        enqueue((api) => api.newPlot(el, data, layoutOf(pc, lg, lk), CONFIG));
        enqueue(() => setPoints(count()));
      })
      .catch((error: unknown) => setProblem(`cannot load the charts: ${error instanceof Error ? error.message : String(error)}`));

    const unsubscribe = metrics.subscribe((event) => {
      if (!plotly) return; // the history is read when Plotly has loaded
      if (event.kind === "clear") {
        for (const d of decimators) d.clear();
        enqueue((api) => api.restyle(el, { x: series.map(() => []), y: series.map(() => []) }));
      } else {
        const updates = feed(event.rows);
        if (updates.some((u) => u.kind === "rebuild")) {
          // A trace halved its points: redraw the traces' data once (rare: log2 of the run's length).
          const all = traces();
          enqueue((api) => api.restyle(el, { x: all.map((t) => t.x), y: all.map((t) => t.y) }));
        } else {
          const indices: number[] = [];
          const xs: number[][] = [];
          const ys: number[][] = [];
          updates.forEach((u, i) => {
            if (u.kind === "append") {
              indices.push(i);
              xs.push(u.x);
              ys.push(u.y);
            }
          });
          if (indices.length > 0) enqueue((api) => api.extendTraces(el, { x: xs, y: ys }, indices));
        }
      }
      const n = count();
      enqueue(() => setPoints(n));
    });

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => enqueue((api) => api.Plots.resize(el)));
    });
    observer.observe(el);

    return () => {
      disposed = true;
      unsubscribe();
      observer.disconnect();
      cancelAnimationFrame(frame);
      if (plotly) plotly.purge(el);
      plotlyRef.current = null;
    };
  }, [metrics, series, percent]);

  useEffect(() => {
    const el = plotRef.current;
    const p = plotlyRef.current;
    if (!el || !p || !el.classList.contains("js-plotly-plot")) return;
    void p.relayout(el, {
      "font.size": look.font,
      "xaxis.nticks": look.stepTicks,
      ...(percent ? {} : { "yaxis.type": log ? "log" : "linear" }),
    });
    void p.restyle(el, { "line.width": look.line });
  }, [log, look, percent]);

  return (
    <section className="chart" data-testid={testId} data-points={points} aria-label={title}>
      <header className="chart-head">
        <h3>{title}</h3>
        {logToggle && (
          <label className="toggle">
            <input
              type="checkbox"
              checked={log}
              onChange={(e) => setLog(e.target.checked)}
              data-testid={`${testId}-log`}
            />
            log scale
          </label>
        )}
      </header>
      <div className="chart-body">
        <div ref={plotRef} className="chart-plot" />
        {points === 0 && !problem && <p className="chart-empty">{empty}</p>}
        {problem && (
          <p className="chart-empty" role="alert">
            {problem}
          </p>
        )}
      </div>
    </section>
  );
}
