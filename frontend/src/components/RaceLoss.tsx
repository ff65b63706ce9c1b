// The race's loss per step, every racer in its colour, with a line at the shown step (an
// HTML line over the fixed-margin plot, so that the animation never redraws the chart).
import { useEffect, useRef, useState } from "react";
import type { RaceResult } from "../api/types";
import { loadPlotly } from "../charts/plotly";
import { lossAxisType, plotBox, type Margin } from "../race/coords";
import { RACERS } from "../race/racers";
import { errorMessage } from "../api/client";

const MARGIN: Margin = { l: 52, r: 12, t: 8, b: 30 };
const HEIGHT = 170;
const CONFIG = { displaylogo: false, responsive: false, displayModeBar: false };

export function RaceLoss({ result, step }: { result: RaceResult | null; step: number }) {
  const plotRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const el = plotRef.current;
    if (!el || !result || width === 0) return;
    let disposed = false;
    const type = lossAxisType(result.racers.map((r) => r.loss));
    loadPlotly()
      .then((plotly) =>
        disposed
          ? undefined
          : plotly.react(
              el,
              result.racers.map((r, i) => ({
                type: "scatter",
                mode: "lines",
                name: r.label,
                x: r.loss.map((_, k) => k),
                y: r.loss,
                line: { color: RACERS[i]?.colour ?? "#000", width: 1.8 },
                hovertemplate: "step %{x}: %{y:.3g}<extra>%{fullData.name}</extra>",
              })),
              {
                width,
                height: HEIGHT,
                margin: { ...MARGIN, pad: 0 },
                font: { size: 11, family: "system-ui, sans-serif", color: "#1d2733" },
                paper_bgcolor: "rgba(0,0,0,0)",
                plot_bgcolor: "#ffffff",
                showlegend: false,
                xaxis: { range: [0, result.steps], title: { text: "step", standoff: 2 }, zeroline: false, gridcolor: "#e3e8ee" },
                yaxis: {
                  type,
                  title: { text: type === "log" ? "f (log)" : "f", standoff: 2 },
                  exponentformat: "power",
                  gridcolor: "#e3e8ee",
                  zeroline: false,
                },
              },
              CONFIG,
            ),
      )
      .then(() => setProblem(null))
      .catch((error: unknown) => setProblem(`cannot draw the loss: ${errorMessage(error)}`));
    return () => {
      disposed = true;
    };
  }, [result, width]);

  const box = plotBox(width, HEIGHT, MARGIN);
  const steps = result?.steps ?? 1;
  const left = box.left + (Math.min(step, steps) / steps) * box.width;
  return (
    <section className="race-loss" data-testid="race-loss" aria-label="Loss per step">
      <div ref={plotRef} className="race-loss-plot" style={{ height: HEIGHT }} />
      {result && width > 0 && <div className="race-cursor" style={{ left, top: box.top, height: box.height }} />}
      {problem && (
        <p className="chart-empty" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
