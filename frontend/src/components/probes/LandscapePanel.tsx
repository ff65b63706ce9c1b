// The loss landscape of the live model: the training loss on a 2-D slice through the
// weights, filled in a row per frame, as a contour or a 3-D surface, with the path the
// weights took ending at a "now" point. Its options are the run's probe options (the
// server computes one slice per run), so a change here restarts the slice.
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { loadPlotly, type Layout, type PlotlyApi } from "../../charts/plotly";
import { landscapeTraces, pathPointsDrawn, sliceOf, type LandscapeSlice, type LandscapeView, type PlotlyTrace } from "../../probes/landscape";
import { useProbeOptions } from "../../probes/useProbe";
import type { LandscapeOptions } from "../../probes/subscriptions";
import type { ProbeFrame } from "../../probes/unpack";
import { ProbePanel } from "./ProbePanel";
import "./LandscapePanel.css";
import { errorMessage } from "../../api/client";

/** Plotly's diffing redraw, for traces other than curves. */
type Plotly = PlotlyApi & {
  react(el: HTMLElement, data: PlotlyTrace[], layout: Layout, config: Record<string, unknown>): Promise<unknown>;
};

const GRIDS = [9, 15, 25, 41, 61] as const;
/** Side of the drawing in the run views' column (196 px wide); the pair view draws larger. */
export const PLOT_SIZE = 176;

const PLANE_NOTES: Record<LandscapeOptions["plane"], string> = {
  random: "two random directions, each filter scaled to its weights' norm (filter normalization)",
  trajectory: "the two directions the weights moved most along (PCA of their path)",
};

function vectorsNote(keep: boolean, plane: LandscapeOptions["plane"]): string {
  if (plane === "trajectory") return "the path's own directions move every parameter";
  return keep ? "biases and norm parameters move too" : "biases and norm parameters stay put, as in Li et al.";
}

interface PanelProps {
  /** Side of the drawing, in pixels. */
  size?: number;
  /** The controls beside the drawing rather than under it (where there is width to spare). */
  beside?: boolean;
}

export function LossLandscapePanel({ size = PLOT_SIZE, beside = false }: PanelProps) {
  const [options, setOptions] = useProbeOptions();
  const land = options.landscape;
  const set = (changes: Partial<LandscapeOptions>) => setOptions({ landscape: { ...land, ...changes } });
  const [view, setView] = useState<LandscapeView>("contour");
  const [log, setLog] = useState(false);
  const controls = (
    <div className="landscape-controls">
      <div className="landscape-views" role="group" aria-label="Drawing">
        {(["contour", "surface"] as const).map((v) => (
          <button key={v} type="button" aria-pressed={view === v} className={view === v ? "active" : undefined} onClick={() => setView(v)} data-testid={`landscape-view-${v}`}>
            {v === "contour" ? "Contour" : "3-D"}
          </button>
        ))}
        <label title="Colour (and height) by log₁₀ of the loss: the valley's floor shows">
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} data-testid="landscape-log" /> log
        </label>
      </div>
      <label>
        grid{" "}
        <select value={land.grid} onChange={(e) => set({ grid: Number(e.target.value) })} data-testid="landscape-grid">
          {GRIDS.map((g) => (
            <option key={g} value={g}>
              {g} × {g}
            </option>
          ))}
        </select>
      </label>
      <p className="probe-note">{land.grid * land.grid} losses, a row per frame between training steps</p>
      <label>
        plane{" "}
        <select value={land.plane} onChange={(e) => set({ plane: e.target.value === "trajectory" ? "trajectory" : "random" })} data-testid="landscape-plane">
          <option value="random">random (filter-normalized)</option>
          <option value="trajectory">trajectory (PCA)</option>
        </select>
      </label>
      <p className="probe-note" data-testid="landscape-plane-note">{PLANE_NOTES[land.plane]}</p>
      <label>
        <input
          type="checkbox"
          checked={land.keep_vectors}
          disabled={land.plane === "trajectory"}
          onChange={(e) => set({ keep_vectors: e.target.checked })}
          data-testid="landscape-keep-vectors"
        />{" "}
        move biases and norms
      </label>
      <p className="probe-note">{vectorsNote(land.keep_vectors, land.plane)}</p>
      <button
        type="button"
        onClick={() => set({ seed: land.seed + 1 })}
        title="Compute the slice anew around the weights now (new random directions on a random plane)"
        data-testid="landscape-recompute"
      >
        Recompute
      </button>
    </div>
  );
  return (
    <ProbePanel
      testId="panel-loss-landscape"
      title="Loss landscape"
      topic="loss_landscape"
      what="loss landscape"
      className={beside ? "run-probe landscape beside" : "run-probe landscape"}
      attrs={(frame) => ({ "data-rows-done": num(frame?.header.rows_done), "data-rows": num(frame?.header.rows) })}
    >
      {(frame) => <Landscape frame={frame} view={view} log={log} asked={land} controls={controls} size={size} />}
    </ProbePanel>
  );
}

const num = (v: unknown): number | string => (typeof v === "number" ? v : "");

interface LandscapeProps {
  frame: ProbeFrame;
  view: LandscapeView;
  log: boolean;
  asked: LandscapeOptions;
  /** Below the drawing: the column is short, and the slice is what one comes to see. */
  controls: ReactNode;
  size: number;
}

function Landscape({ frame, view, log, asked, controls, size }: LandscapeProps) {
  const slice = useMemo(() => sliceOf(frame), [frame]);
  if (!slice) return <p className="muted">This frame has no loss grid.</p>;
  // The frame shown until the slice asked anew sends its first row.
  const anew = slice.rows !== asked.grid;
  const fell = asked.plane === "trajectory" && slice.plane === "random" && !anew;
  const [e0, e1] = slice.explained;
  return (
    <>
      <p className="landscape-progress" data-testid="landscape-progress">
        <progress max={slice.rows} value={slice.rowsDone} aria-hidden="true" /> {slice.rowsDone} / {slice.rows} rows
        {anew && " · asked anew…"}
      </p>
      <div className="landscape-body">
        <div className="landscape-drawing">
          <LandscapePlot slice={slice} view={view} log={log} size={size} />
          <p className="probe-note" data-testid="landscape-facts">
            {fell
              ? "the trajectory needs two saved weights: a random plane for now"
              : slice.plane === "trajectory" && e0 !== null && e1 !== null
                ? `the axes hold ${pct(e0)} and ${pct(e1)} of the path's spread`
                : "a random plane through the weights"}
            ; loss on {slice.samples ?? "?"} training samples
          </p>
        </div>
        {controls}
      </div>
    </>
  );
}

const pct = (v: number): string => `${Math.round(v * 100)}%`;

const CONFIG = { displaylogo: false, responsive: false, displayModeBar: false };

function layoutOf(slice: LandscapeSlice, view: LandscapeView, log: boolean, size: number): Layout {
  const range = (axis: number[]) => [axis[0], axis[axis.length - 1]];
  const axis = (title: string, values: number[]) => ({ title: { text: title }, range: range(values), zeroline: false, nticks: 5 });
  const base: Layout = {
    width: size,
    height: size,
    margin: { l: 28, r: 4, t: 4, b: 26 },
    font: { size: 9, family: "system-ui, sans-serif", color: "#1d2733" },
    paper_bgcolor: "rgba(0,0,0,0)",
    showlegend: false,
    // Keeps the 3-D camera (or a zoom) the user chose across the rows' frames.
    uirevision: view,
  };
  if (view === "contour") return { ...base, xaxis: axis("α", slice.alphas), yaxis: axis("β", slice.betas) };
  return {
    ...base,
    margin: { l: 0, r: 0, t: 0, b: 0 },
    scene: { xaxis: axis("α", slice.alphas), yaxis: axis("β", slice.betas), zaxis: { title: { text: log ? "log₁₀ loss" : "loss" }, nticks: 4 }, camera: { eye: { x: 1.5, y: -1.5, z: 1.1 } } },
  };
}

/** Plotly's drawing of the slice, redrawn (diffed) on each frame; `data-path-points`: the path's points drawn. */
function LandscapePlot({ slice, view, log, size }: { slice: LandscapeSlice; view: LandscapeView; log: boolean; size: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const [problem, setProblem] = useState<string | null>(null);
  const traces = useMemo(() => landscapeTraces(slice, view, log), [slice, view, log]);
  const layout = useMemo(() => layoutOf(slice, view, log, size), [slice, view, log, size]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // One redraw after another: a frame's redraw never races the one before it.
    queue.current = queue.current
      .then(() => loadPlotly())
      .then((plotly) => (plotly as Plotly).react(el, traces, layout, CONFIG))
      .then(() => setProblem(null))
      .catch((error: unknown) => setProblem(errorMessage(error)));
  }, [traces, layout]);

  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) queue.current = queue.current.then(() => loadPlotly()).then((plotly) => plotly.purge(el));
    };
  }, []);

  return (
    <>
      <div
        ref={ref}
        className="landscape-plot"
        style={{ width: size, height: size }}
        role="img"
        aria-label={`The training loss on a plane through the weights (${view === "contour" ? "contours" : "a 3-D surface"}), with the weights' path ending at now`}
        data-testid="landscape-plot"
        data-view={view}
        data-path-points={pathPointsDrawn(slice, view, log)}
      />
      {problem && <p className="probe-note error">{problem}</p>}
    </>
  );
}
