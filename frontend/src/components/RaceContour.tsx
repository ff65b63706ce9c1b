// The race's main plot: the function's contours (Plotly, redrawn only when the surface
// changes) under an SVG of the paths, drawn at the current step, which also takes the click
// that moves the start. The SVG shares the plot's fixed margins, so one box maps both.
import { useEffect, useRef, useState, type MouseEvent, type RefObject } from "react";
import type { RaceResult } from "../api/types";
import { loadPlotly } from "../charts/plotly";
import { divergedBy, shownPoints } from "../race/animation";
import { clampPixel, contourLevels, plotBox, snap, toData, toPixel, type Domain, type Margin, type Point } from "../race/coords";
import { RACERS } from "../race/racers";
import { errorMessage } from "../api/client";

export const CONTOUR_MARGIN: Margin = { l: 44, r: 12, t: 10, b: 34 };

const CONFIG = { staticPlot: true, displaylogo: false, responsive: false };

interface Props {
  result: RaceResult | null;
  domain: Domain;
  step: number;
  onStart: (start: Point) => void;
}

function useSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

const fmt = ([x, y]: readonly number[]): string => `${(x ?? NaN).toFixed(4)},${(y ?? NaN).toFixed(4)}`;

export function RaceContour({ result, domain, step, onStart }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const { width, height } = useSize(hostRef);
  const [problem, setProblem] = useState<string | null>(null);
  const surface = result?.surface;

  useEffect(() => {
    const el = plotRef.current;
    if (!el || !surface || width === 0 || height === 0) return;
    let disposed = false;
    loadPlotly()
      .then((plotly) => {
        if (disposed) return;
        const axis = (range: [number, number], title: string) => ({
          range,
          title: { text: title, standoff: 4 },
          fixedrange: true,
          showgrid: false,
          zeroline: false,
          ticks: "outside",
        });
        return plotly.react(
          el,
          [
            {
              type: "contour",
              x: surface.x,
              y: surface.y,
              z: contourLevels(surface.z),
              // Light greys, so that the six coloured paths stand out.
              colorscale: [
                [0, "#ffffff"],
                [1, "#7d8894"],
              ],
              showscale: false,
              ncontours: 24,
              contours: { coloring: "heatmap" },
              line: { color: "rgba(29,39,51,0.25)", width: 0.6 },
              hoverinfo: "skip",
            },
          ],
          {
            width,
            height,
            margin: { ...CONTOUR_MARGIN, pad: 0 },
            font: { size: 11, family: "system-ui, sans-serif", color: "#1d2733" },
            paper_bgcolor: "rgba(0,0,0,0)",
            xaxis: axis(domain[0], "x"),
            yaxis: axis(domain[1], "y"),
            showlegend: false,
          },
          CONFIG,
        );
      })
      .then(() => setProblem(null))
      .catch((error: unknown) => setProblem(`cannot draw the contours: ${errorMessage(error)}`));
    return () => {
      disposed = true;
    };
  }, [surface, domain, width, height]);

  const box = plotBox(width, height, CONTOUR_MARGIN);
  const px = (p: Point): Point => clampPixel(toPixel(p, box, domain), box);

  const click = (event: MouseEvent<SVGSVGElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const point = toData([event.clientX - rect.left, event.clientY - rect.top], box, domain);
    if (point) onStart(snap(point, domain));
  };

  const start = result?.start;
  return (
    <div
      ref={hostRef}
      className="race-plot"
      data-testid="race-plot"
      data-paths={result?.racers.length ?? 0}
      data-step={Math.floor(step)}
      data-function={result?.function ?? ""}
      data-start={start ? fmt(start) : ""}
    >
      <div ref={plotRef} className="race-contour" />
      {width > 0 && (
        <svg
          className="race-overlay"
          width={width}
          height={height}
          onClick={click}
          data-testid="race-overlay"
          aria-label="Click to start the race there"
        >
          <title>Click to start the race there</title>
          <defs>
            <clipPath id="race-clip">
              <rect x={box.left} y={box.top} width={box.width} height={box.height} />
            </clipPath>
          </defs>
          <g clipPath="url(#race-clip)">
            {result?.minima.map((m, i) => {
              const [x, y] = px(m);
              return (
                <path
                  key={`min-${i}`}
                  className="race-minimum"
                  data-testid="race-minimum"
                  d={`M${x},${y - 7}L${x + 2},${y - 2}L${x + 7},${y - 2}L${x + 3},${y + 1}L${x + 4.5},${y + 6.5}L${x},${y + 3}L${x - 4.5},${y + 6.5}L${x - 3},${y + 1}L${x - 7},${y - 2}L${x - 2},${y - 2}Z`}
                >
                  <title>{`minimum (${m[0]}, ${m[1]})`}</title>
                </path>
              );
            })}
            {result?.racers.map((racer, i) => {
              const def = RACERS[i];
              const colour = def?.colour ?? "#000";
              const n = shownPoints(racer, step);
              const points = racer.path.slice(0, n).map((p) => px(p));
              const head = points[points.length - 1];
              const first = racer.path[0];
              const last = racer.path[racer.path.length - 1];
              return (
                <g key={def?.key ?? i}>
                  <polyline
                    className="race-path"
                    data-testid={`race-path-${def?.key ?? i}`}
                    data-start={first ? fmt(first) : ""}
                    data-end={last ? fmt(last) : ""}
                    data-shown={n}
                    points={points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}
                    stroke={colour}
                  />
                  {head && !divergedBy(racer, step) && <circle className="race-runner" cx={head[0]} cy={head[1]} r={4.5} fill={colour} />}
                </g>
              );
            })}
          </g>
          {/* Outside the clip: a diverged racer's mark and words stay readable at the edge. */}
          {result?.racers.map((racer, i) => {
            if (!divergedBy(racer, step)) return null;
            const last = racer.path[racer.path.length - 1];
            if (!last) return null;
            const inside = (v: number, lo: number, size: number) => Math.min(lo + size - 6, Math.max(lo + 6, v));
            const [x0, y0] = px(last);
            const x = inside(x0, box.left, box.width);
            const y = inside(y0, box.top, box.height);
            const colour = RACERS[i]?.colour ?? "#000";
            return (
              <g key={`div-${i}`} className="race-diverged" data-testid={`race-diverged-mark-${RACERS[i]?.key ?? i}`}>
                <path d={`M${x - 5},${y - 5}L${x + 5},${y + 5}M${x - 5},${y + 5}L${x + 5},${y - 5}`} stroke={colour} />
                <text x={x < box.left + box.width / 2 ? x + 8 : x - 8} y={y + 4} textAnchor={x < box.left + box.width / 2 ? "start" : "end"} fill={colour}>
                  {`${RACERS[i]?.label ?? racer.label} diverged at step ${racer.stopped_at}`}
                </text>
              </g>
            );
          })}
          {start && (() => {
            const [x, y] = px(start);
            return <circle className="race-start" cx={x} cy={y} r={6} />;
          })()}
        </svg>
      )}
      {problem && (
        <p className="chart-empty" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
