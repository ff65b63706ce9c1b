// A live curve chart of one or several runs' histories: drawn once from them, then grown
// with Plotly.extendTraces as rows stream in (a run's rows extend only its own traces).
// Each trace keeps a bounded number of points (see Decimator).
import { useEffect, useRef, useState } from "react";
import type { MetricsRow } from "../api/types";
import { Decimator, type DecimatorUpdate } from "../charts/decimate";
import { loadPlotly, type Layout, type PlotlyApi, type Trace } from "../charts/plotly";
import { usePlayground } from "../context";
import type { MetricsLog } from "../run/metrics";
import { errorMessage } from "../api/client";

export type MetricKey = "train_loss" | "test_loss" | "train_acc" | "test_acc";

export interface Series {
  key: MetricKey;
  name: string;
  color: string;
  dash?: "solid" | "dash" | "dot";
}

/** One run's curves on a chart: its metric history and the series drawn from it. */
export interface ChartSource {
  /** The run's id (or any key naming the history). */
  id: string;
  log: MetricsLog;
  series: readonly Series[];
}

interface Props {
  testId: string;
  title: string;
  /** The histories drawn; a row appended to one extends only its own traces. */
  sources: readonly ChartSource[];
  /** Plotly's own legend (off when the page draws one for the runs). */
  legend?: boolean;
  /** Values are fractions, drawn as percentages on a fixed 0-100% axis. */
  percent?: boolean;
  /** Offer a log-scale toggle for the y axis. */
  logToggle?: boolean;
  /** What the empty chart says. */
  empty: string;
}

/** Fewest milliseconds between two redraws of a chart's new points (10 a second at most). */
export const REDRAW_MS = 100;

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

export function MetricChart({ testId, title, sources, percent = false, logToggle = false, legend = true, empty }: Props) {
  const look = usePlayground((s) => (s.presentation ? CHART_LOOK.presentation : CHART_LOOK.normal));
  const plotRef = useRef<HTMLDivElement>(null);
  const plotlyRef = useRef<PlotlyApi | null>(null);
  // Points drawn per source (run).
  const [counts, setCounts] = useState<readonly number[]>([]);
  const [log, setLog] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const settings = useRef({ percent, log, look, legend });
  useEffect(() => {
    settings.current = { percent, log, look, legend };
  });

  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    let disposed = false;
    let plotly: PlotlyApi | null = null;
    let queue: Promise<unknown> = Promise.resolve();
    // One trace per series of each source, the sources' traces one after another.
    const offsets: number[] = [];
    const specs: Series[] = [];
    for (const source of sources) {
      offsets.push(specs.length);
      specs.push(...source.series);
    }
    const decimators = specs.map(() => new Decimator(POINTS_PER_TRACE));
    const indicesOf = (si: number): number[] => (sources[si] as ChartSource).series.map((_, i) => (offsets[si] as number) + i);
    const counted = (): number[] =>
      sources.map((_, si) => indicesOf(si).reduce((n, i) => n + (decimators[i] as Decimator).points.x.length, 0));

    /** Run Plotly calls one after another, each after the previous finished. */
    const enqueue = (call: (p: PlotlyApi) => Promise<unknown> | void): void => {
      queue = queue
        .then(() => (disposed || !plotly ? undefined : call(plotly)))
        .catch((error: unknown) => setProblem(errorMessage(error)));
    };

    /** Feed a source's rows to its own traces only: each update with its trace's index. */
    const feed = (si: number, rows: readonly MetricsRow[]): { index: number; update: DecimatorUpdate }[] =>
      indicesOf(si).map((index) => {
        const { x, y } = column(rows, (specs[index] as Series).key);
        return { index, update: (decimators[index] as Decimator).push(x, y) };
      });

    const trace = (index: number): Trace => {
      const s = specs[index] as Series;
      const { x, y } = (decimators[index] as Decimator).points;
      return {
        x: [...x],
        y: [...y],
        name: s.name,
        type: "scatter",
        mode: "lines",
        line: { color: s.color, width: settings.current.look.line, dash: s.dash ?? "solid" },
        hovertemplate: percent ? "step %{x}: %{y:.1%}<extra>%{fullData.name}</extra>" : undefined,
      };
    };

    loadPlotly()
      .then((p) => {
        if (disposed) return;
        plotly = p;
        plotlyRef.current = p;
        sources.forEach((source, si) => feed(si, source.log.all));
        const data = specs.map((_, i) => trace(i));
        const { percent: pc, log: lg, look: lk, legend: lgd } = settings.current;
        enqueue((api) => api.newPlot(el, data, { ...layoutOf(pc, lg, lk), showlegend: lgd }, CONFIG));
        const n = counted();
        enqueue(() => setCounts(n));
      })
      .catch((error: unknown) => setProblem(`cannot load the charts: ${errorMessage(error)}`));

    // New points wait here and are drawn together, at most every REDRAW_MS: however many
    // runs stream rows (each at its own moments), a chart redraws at one steady pace.
    const pending = new Map<number, { x: number[]; y: number[] }>();
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    let lastFlush = -Infinity;
    const flush = (): void => {
      flushTimer = null;
      lastFlush = performance.now();
      if (disposed || pending.size === 0) return;
      const indices = [...pending.keys()];
      const grown = indices.map((i) => pending.get(i) as { x: number[]; y: number[] });
      pending.clear();
      enqueue((api) => api.extendTraces(el, { x: grown.map((g) => g.x), y: grown.map((g) => g.y) }, indices));
      const n = counted();
      enqueue(() => setCounts(n));
    };
    const schedule = (): void => {
      if (flushTimer !== null) return;
      flushTimer = setTimeout(() => requestAnimationFrame(flush), Math.max(0, lastFlush + REDRAW_MS - performance.now()));
    };

    const unsubscribes = sources.map((source, si) =>
      source.log.subscribe((event) => {
        if (!plotly) return; // the history is read when Plotly has loaded
        const indices = indicesOf(si);
        // A redraw of these traces draws what waits for them too.
        const redraw = () => {
          for (const i of indices) pending.delete(i);
        };
        if (event.kind === "clear") {
          redraw();
          for (const i of indices) (decimators[i] as Decimator).clear();
          enqueue((api) => api.restyle(el, { x: indices.map(() => []), y: indices.map(() => []) }, indices));
        } else {
          const updates = feed(si, event.rows);
          if (updates.some((u) => u.update.kind === "rebuild")) {
            // A trace halved its points: redraw this source's traces once (rare: log2 of the run's length).
            redraw();
            const redrawn = indices.map(trace);
            enqueue((api) => api.restyle(el, { x: redrawn.map((t) => t.x), y: redrawn.map((t) => t.y) }, indices));
          } else {
            for (const { index, update } of updates) {
              if (update.kind !== "append" || update.x.length === 0) continue;
              const waiting = pending.get(index);
              if (waiting) {
                waiting.x.push(...update.x);
                waiting.y.push(...update.y);
              } else pending.set(index, { x: [...update.x], y: [...update.y] });
            }
            schedule();
            return;
          }
        }
        const n = counted();
        enqueue(() => setCounts(n));
      }),
    );

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => enqueue((api) => api.Plots.resize(el)));
    });
    observer.observe(el);

    return () => {
      disposed = true;
      if (flushTimer !== null) clearTimeout(flushTimer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      observer.disconnect();
      cancelAnimationFrame(frame);
      if (plotly) plotly.purge(el);
      plotlyRef.current = null;
    };
  }, [sources, percent]);

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

  const points = counts.reduce((a, b) => a + b, 0);
  const perRun = sources.map((source, i) => `${source.id}:${counts[i] ?? 0}`).join(" ");
  return (
    <section
      className="chart"
      data-testid={testId}
      data-points={points}
      data-runs={sources.length}
      data-run-points={perRun}
      aria-label={title}
    >
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
