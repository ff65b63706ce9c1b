// The demo card's line for a comparison lesson: its runs, their status and step, and
// where to look (their loss landscapes, side by side over the canvas).
import type { Preset } from "../api/types";
import { PAIR_VIEW, panelsOf } from "../compare/lesson";
import { useActions, usePlayground } from "../context";

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
  const [a, b] = shown as [NonNullable<(typeof shown)[number]>, NonNullable<(typeof shown)[number]>];
  const all = shown.every((r) => TRAINING.includes(r.status));
  const landscapes = panelsOf(preset).includes(PAIR_VIEW);
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
      {landscapes && (
        <>
          Compare their loss landscapes, side by side.{" "}
          {pair === null && (
            <button type="button" className="link" onClick={() => showPair([a.id, b.id])} data-testid="demo-pair-open">
              show them side by side
            </button>
          )}
        </>
      )}
    </span>
  );
}
