// How a layer looks on the canvas: type and id, key params, output shape, parameter
// count and the server's errors about it.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useShallow } from "zustand/react/shallow";
import { usePlayground } from "../context";
import { summarizeParams } from "../forms/schema";
import type { LayerNode } from "../graph/graph";
import { allErrors } from "../state/store";
import { NeuronThumbnails } from "./probes/RunPanels";

export function formatShape(shape: readonly number[] | null | undefined): string {
  return shape ? `[${shape.join(", ")}]` : "?";
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(n);
}

function LayerNodeViewInner({ id, data, selected }: NodeProps<LayerNode>) {
  const type = data.layerType;
  const report = usePlayground((s) => s.validation?.nodes[id]);
  const errors = usePlayground(useShallow((s) => allErrors(s).filter((e) => e.node === id)));
  const warnings = usePlayground(useShallow((s) => (s.validation?.warnings ?? []).filter((e) => e.node === id)));
  const layer = usePlayground((s) => s.catalog.layers.find((l) => l.type === type));
  const category = layer?.category ?? "unknown";
  const summary = summarizeParams(data.params);
  return (
    <div
      className={`layer-node cat-${category}${selected ? " selected" : ""}${errors.length > 0 ? " invalid" : ""}`}
      data-testid={`node-${id}`}
      data-type={type}
      title={layer?.doc ?? `unknown layer type '${type}'`}
    >
      {type !== "input" && (
        <Handle type="target" position={Position.Left} className="handle" data-testid={`handle-${id}-in`} />
      )}
      <div className="node-head">
        <span className="node-type">{type}</span>
        <span className="node-id">{id}</span>
      </div>
      {summary && <div className="node-summary">{summary}</div>}
      <div className="node-out">
        <span className="node-shape" data-testid={`shape-${id}`} title="output shape">
          {formatShape(report?.shape)}
        </span>
        {report && report.params > 0 && (
          <span className="node-params" title={`${report.params} trainable parameters`}>
            {formatCount(report.params)} params
          </span>
        )}
      </div>
      {layer && !layer.trainable_by_gradient && <div className="node-note">not trainable by gradient</div>}
      {type !== "input" && type !== "output" && <NeuronThumbnails id={id} />}
      {errors.map((e, i) => (
        <div key={`e${i}`} className="node-error" data-testid={`error-of-${id}`}>
          <span aria-hidden="true">⚠ </span>
          {e.field && e.field !== "edges" ? `${e.field}: ` : ""}
          {e.message}
        </div>
      ))}
      {warnings.map((w, i) => (
        <div key={`w${i}`} className="node-warning">
          <span aria-hidden="true">△ </span>
          {w.message}
        </div>
      ))}
      {type !== "output" && (
        <Handle type="source" position={Position.Right} className="handle" data-testid={`handle-${id}-out`} />
      )}
    </div>
  );
}

export const LayerNodeView = memo(LayerNodeViewInner);
