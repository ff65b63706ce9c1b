// A network drawn read-only (the spotlight: a student's network on the projector): the
// canvas's own automatic layout (graph/layout.ts), each layer a box with its type, id and
// params, the connections as arrows. SVG scaled to its box, so that it fills the screen.
import { useMemo } from "react";
import type { NetworkSpec } from "../api/types";
import { summarizeParams } from "../forms/schema";
import { bounds, estimateNodeSize, layoutNetwork } from "../graph/layout";

const PAD = 24;

/** `categoryOf`: a layer type's palette category (its colour), as the canvas shows it. */
export function NetworkDrawing({ spec, testId, categoryOf }: { spec: NetworkSpec; testId: string; categoryOf: (type: string) => string }) {
  const drawing = useMemo(() => {
    const at = layoutNetwork(spec.nodes, spec.edges);
    const boxes = spec.nodes.map((n) => {
      const size = estimateNodeSize(n);
      const p = at.get(n.id) ?? { x: 0, y: 0 };
      return { node: n, x: p.x, y: p.y, width: size.width, height: 60 };
    });
    const byId = new Map(boxes.map((b) => [b.node.id, b]));
    const all = bounds(boxes);
    const edges = spec.edges.flatMap((e) => {
      const a = byId.get(e.source);
      const b = byId.get(e.target);
      if (!a || !b) return [];
      const x1 = a.x + a.width;
      const y1 = a.y + a.height / 2;
      const x2 = b.x;
      const y2 = b.y + b.height / 2;
      const bend = Math.max(24, Math.abs(x2 - x1) / 2);
      // Back to the left (the next row): square corners through the gap between the rows, as the canvas draws it.
      const gap = (a.y + a.height + b.y) / 2;
      const d =
        x2 >= x1
          ? `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`
          : `M${x1},${y1} H${x1 + 16} V${gap} H${x2 - 16} V${y2} H${x2}`;
      return [{ id: `${e.source}->${e.target}`, d }];
    });
    return { boxes, edges, all };
  }, [spec]);
  const { boxes, edges, all } = drawing;
  return (
    <svg
      className="network-drawing"
      data-testid={testId}
      data-nodes={boxes.length}
      viewBox={`${all.x - PAD} ${all.y - PAD} ${all.width + 2 * PAD} ${all.height + 2 * PAD}`}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={`network of ${boxes.length} layers`}
    >
      <defs>
        <marker id="drawing-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" className="drawing-arrow" />
        </marker>
      </defs>
      {edges.map((e) => (
        <path key={e.id} d={e.d} className="drawing-edge" markerEnd="url(#drawing-arrow)" />
      ))}
      {boxes.map(({ node, x, y, width, height }) => (
        <g key={node.id} className={`drawing-node cat-${categoryOf(node.type)}`} data-node={node.id}>
          <rect x={x} y={y} width={width} height={height} rx={8} />
          <text x={x + 10} y={y + 22} className="drawing-type">
            {node.type} <tspan className="drawing-id">{node.id}</tspan>
          </text>
          <text x={x + 10} y={y + 44} className="drawing-params">
            {summarizeParams(node.params ?? {})}
          </text>
        </g>
      ))}
    </svg>
  );
}
