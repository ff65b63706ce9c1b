// A compared run's measured facts in its legend entry: how many parameters its network
// has and how much its train loss jumps from one point to the next.
import { paramsLine, SPREAD_POINTS, spreadLine } from "../compare/legend";
import { useParamCount, useSpread } from "../hooks/useCompareFacts";
import type { RunEntry } from "../state/compare";

/** The run's parameter count, or "… parameters" while the server counts. */
export function ParamsFact({ id, total }: { id: string; total: number | null }) {
  return (
    <span className="counter" data-testid={`compare-params-${id}`} data-params={total ?? ""} title="Trainable parameters of its network, as the server counts them">
      {total === null ? "… parameters" : paramsLine(total)}
    </span>
  );
}

/** The spread of the run's last train losses; the title says over how many. */
export function SpreadFact({ id, spread, points, n }: { id: string; spread: number | null; points: number; n: number }) {
  return (
    <span
      className="counter"
      data-testid={`compare-spread-${id}`}
      data-spread={spread ?? ""}
      data-points={points}
      title={`Standard deviation of the change from one train loss to the next, over the last ${n} train losses (${points} held so far)`}
    >
      {spreadLine(spread)}
    </span>
  );
}

export function RunFacts({ entry }: { entry: RunEntry }) {
  const total = useParamCount(entry.config);
  const { spread, points } = useSpread(entry.id, SPREAD_POINTS);
  return (
    <>
      <ParamsFact id={entry.id} total={total} />
      <SpreadFact id={entry.id} spread={spread} points={points} n={SPREAD_POINTS} />
    </>
  );
}
