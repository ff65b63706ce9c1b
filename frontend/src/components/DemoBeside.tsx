// The demo card's line for a comparison lesson: its runs, their status and step, and
// where to look (the run-wide view it names, such as their loss landscapes, side by side
// over the canvas).
import type { Preset } from "../api/types";
import { pairViewOf } from "../compare/lesson";
import { useActions, usePlayground } from "../context";
import { runViewOf } from "./probes/RunPanels";

const TRAINING: readonly string[] = ["queued", "running"];

export function DemoBeside({ preset }: { preset: Preset }) {
  const compare = usePlayground((s) => s.compare);
  const runs = usePlayground((s) => s.runs);
  const pair = usePlayground((s) => s.pair);
  const { showPair } = useActions();
  const shown = compare.map((id) => runs[id]).filter((r) => r !== undefined);
  const count = preset.runs?.length ?? 1;
  if (shown.length !== count) {
    return (
      <span className="demo-beside" data-testid="demo-beside">
        {count} runs that differ in one thing start together
      </span>
    );
  }
  const view = pairViewOf(preset);
  const many = view === null ? undefined : runViewOf(view)?.many;
  const all = shown.every((r) => TRAINING.includes(r.status));
  return (
    <span className="demo-beside" data-testid="demo-beside" data-training={all}>
      {all ? "All runs are training" : "The runs"}:{" "}
      {shown.map((r, i) => (
        <span key={r.id}>
          {i > 0 && (i === shown.length - 1 ? " and " : ", ")}
          <strong style={{ color: r.color }}>{r.name}</strong> ({r.status}, step {r.step})
        </span>
      ))}
      .{" "}
      {view !== null && many !== undefined && (
        <>
          Compare their {many}, side by side.{" "}
          {pair === null && (
            <button type="button" className="link" onClick={() => showPair({ view, runs: shown.map((r) => r.id) })} data-testid="demo-pair-open">
              show them side by side
            </button>
          )}
        </>
      )}
    </span>
  );
}
