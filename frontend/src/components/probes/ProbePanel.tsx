// The frame every probe view shares: title, collapse toggle, the loading and empty
// states, the rate line, and a canvas that redraws when its data changes.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { usePlayground } from "../../context";
import { useScopedProbes } from "../../probes/hubContext";
import { useProbe } from "../../probes/useProbe";
import { formatRate, rateOf, type ProbeFrame } from "../../probes/unpack";
import { prepare, type Ctx } from "../../render/draw";
import { runKey } from "../../state/setup";
import { setupOf } from "../../state/store";

interface PanelProps {
  testId: string;
  title: ReactNode;
  /** The stream topic; null: the panel is shown but wants nothing (collapsed). */
  topic: string;
  /** What it shows, for the empty state ("feature maps"). */
  what: string;
  open?: boolean;
  onToggle?: () => void;
  className?: string;
  /** Controls that do not need a frame (the sample picker). */
  extra?: ReactNode;
  /** Data attributes for the tests on the panel's root, from the newest frame. */
  attrs?: (frame: ProbeFrame | null) => Record<`data-${string}`, string | number>;
  children: (frame: ProbeFrame) => ReactNode;
}

type PanelState = "idle" | "waiting" | "final" | "stale" | "ready";

/** The panel's run: the scoped one (a compared run's view), else the own run. */
function useRunFacts(): { id: string | null; status: string; stale: boolean } {
  const scoped = useScopedProbes()?.runId ?? null;
  const other = usePlayground((s) => scoped !== null && scoped !== s.run.id);
  const id = usePlayground((s) => (other ? scoped : s.run.id));
  const status = usePlayground((s) => (other && scoped !== null ? (s.runs[scoped]?.status ?? "created") : s.run.status));
  // Another run is not made from the page's setup: it cannot be stale against it.
  const stale = usePlayground((s) => !other && s.run.key !== null && s.run.key !== runKey(setupOf(s)));
  return { id, status, stale };
}

const LIVE = ["queued", "running", "paused"];
/** After this long without a frame, the panel says that none may come. */
export const SLOW_MS = 12_000;

export function ProbePanel({ testId, title, topic, what, open = true, onToggle, className, extra, attrs, children }: PanelProps) {
  const run = useRunFacts();
  const frame = useProbe(open ? topic : null);
  const live = LIVE.includes(run.status);
  const state: PanelState = frame
    ? "ready"
    : run.id === null || run.status === "created"
      ? "idle"
      : run.stale
        ? "stale"
        : live
          ? "waiting"
          : "final"; // it trains no more: the server computes the view from its saved weights
  const step = frame?.header.step;
  // The topic whose first frame is overdue (the server drops a probe that fails, silently).
  const [overdue, setOverdue] = useState<string | null>(null);
  const waiting = open && (state === "waiting" || state === "final");
  const waitKey = `${run.id ?? ""}\u0000${topic}`;
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => setOverdue(waitKey), SLOW_MS);
    return () => clearTimeout(timer);
  }, [waiting, waitKey]);
  const slow = waiting && overdue === waitKey;

  return (
    <section
      className={`panel probe${className ? ` ${className}` : ""}`}
      data-testid={testId}
      data-state={open ? state : "closed"}
      data-step={step ?? ""}
      aria-label={typeof title === "string" ? title : undefined}
      {...attrs?.(frame)}
    >
      <header className="probe-head">
        <h3>{title}</h3>
        {onToggle && (
          <button
            type="button"
            className="probe-toggle"
            onClick={onToggle}
            aria-expanded={open}
            title={open ? "Hide (the server stops computing it)" : "Show"}
            data-testid={`${testId}-toggle`}
          >
            {open ? "▾" : "▸"}
          </button>
        )}
      </header>
      {open && extra}
      {open && frame && children(frame)}
      {open && !frame && (
        <p className="probe-empty" role="status">
          {waiting && !slow && <span className="spinner" aria-hidden="true" />}
          {state === "idle" && `Press play: the ${what} appear here while the network trains.`}
          {waiting && slow && `No ${what} from the server after ${SLOW_MS / 1000} s: it may be unable to compute them for this node (its log says why).`}
          {state === "waiting" && !slow && "Waiting for the first frame…"}
          {state === "final" && !slow && `Computing the ${what} from the final weights…`}
          {state === "stale" && "The setup changed since this run was created: press play to train it and see its " + what + "."}
        </p>
      )}
      {open && frame && <RateLine testId={`${testId}-rate`} frame={frame} live={live} />}
    </section>
  );
}

/** "2.5 Hz (throttled from 10 Hz) · step 1200", or the step of the weights shown once the run trains no more. */
export function RateLine({ testId, frame, live }: { testId: string; frame: ProbeFrame; live: boolean }) {
  const rate = rateOf(frame.header);
  const step = frame.header.step;
  const text = live ? `${formatRate(rate)} · step ${step ?? "?"}` : `the weights at step ${step ?? "?"}`;
  const title =
    rate.probeMs !== null
      ? `Computed in ${rate.probeMs.toFixed(1)} ms. The server keeps probes near 7% of its time, so slow probes come less often.`
      : undefined;
  return (
    <p className={`probe-rate${rate.throttled ? " throttled" : ""}`} data-testid={testId} title={title}>
      {text}
    </p>
  );
}

interface CanvasProps<T> {
  data: T;
  draw: (ctx: Ctx, data: T, width: number, height: number) => void;
  width: number;
  height: number;
  label: string;
  testId?: string;
  className?: string;
  /** Data attributes for the tests ("data-points": how many were drawn). */
  attrs?: Record<`data-${string}`, string | number>;
  /** How much larger it shows in presentation mode (drawings whose place has the room). */
  presentationZoom?: number;
}

/** How much larger the run's drawings show in presentation mode (presentation.css widens their column to match). */
export const PRESENTATION_ZOOM = 1.15;

/** A canvas drawn by `draw(ctx, data)` whenever data or size change (after React commits). */
export function ProbeCanvas<T>({ data, draw, width, height, label, testId, className, attrs, presentationZoom = 1 }: CanvasProps<T>) {
  const ref = useRef<HTMLCanvasElement>(null);
  // Drawn at its own size and shown larger, so that the renderer's text and marks scale alike.
  const zoom = usePlayground((s) => (s.presentation ? presentationZoom : 1));
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = prepare(canvas, width, height, zoom);
    if (ctx) draw(ctx, data, width, height);
  }, [data, draw, width, height, zoom]);
  return (
    <canvas
      ref={ref}
      className={className ?? "probe-canvas"}
      style={{ width: width * zoom, height: height * zoom }}
      role="img"
      aria-label={label}
      title={label}
      data-testid={testId}
      {...attrs}
    />
  );
}

/** A drawing whose data lays it out: a ProbeCanvas as wide and as high as its data's grid. */
export function GridCanvas<T extends { grid: { width: number; height: number } }>(props: Omit<CanvasProps<T>, "width" | "height">) {
  return <ProbeCanvas {...props} width={props.data.grid.width} height={props.data.grid.height} />;
}

/** A number for the panels' fact lists. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function percent(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(1)}%`;
}
