// A run's loss as a small line (the grid's rows): SVG, so that it stays sharp on a projector.
import { sparkline } from "./sparkline";

const BOX = { width: 96, height: 24, pad: 2 };

export function Sparkline({ values, testId, title }: { values: readonly number[]; testId: string; title?: string }) {
  const line = sparkline(values, BOX);
  return (
    <svg
      className="sparkline"
      width={BOX.width}
      height={BOX.height}
      viewBox={`0 0 ${BOX.width} ${BOX.height}`}
      data-testid={testId}
      data-points={line.count}
      data-log={line.log || undefined}
      role="img"
      aria-label={title ?? (line.count === 0 ? "no loss yet" : `loss ${values[0]?.toPrecision(3) ?? ""} → ${values[values.length - 1]?.toPrecision(3) ?? ""}`)}
    >
      {line.count > 0 && <polyline points={line.points} fill="none" strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" />}
    </svg>
  );
}
