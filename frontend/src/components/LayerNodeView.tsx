// How a layer looks on the canvas: type and id, key params, output shape, parameter
// count, receptive field, and a one-line marker of the server's errors about it (the
// whole text on hover and in the spec-errors list: a node never grows with its errors).
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useShallow } from "zustand/react/shallow";
import { usePlayground } from "../context";
import { summarizeParams } from "../forms/schema";
import type { NodeReport, SpecError } from "../api/types";
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

/**
 * The receptive field's size and jump for the node's line ("rf 5×5 · jump 2"), and their
 * meaning for its tooltip; null for a node that is not spatial.
 */
export function formatReceptiveField(field: NodeReport["receptive_field"]): { text: string; title: string } | null {
  const size = field?.size;
  const jump = field?.jump;
  if (!size?.length || !jump?.length) return null;
  const area = size.join("×");
  const stride = new Set(jump).size === 1 ? String(jump[0]) : jump.join("×");
  return {
    text: `rf ${area} · jump ${stride}`,
    title: `receptive field: each output sees ${area} input pixels; neighbouring outputs are ${stride} pixels apart (jump)`,
  };
}

/** A node's problems on one line, clipped to the node's width; each in full on hover. */
function ProblemMarker({ problems, kind, testId }: { problems: readonly SpecError[]; kind: "error" | "warning"; testId?: string }) {
  if (problems.length === 0) return null;
  const lines = problems.map((e) => `${e.field && e.field !== "edges" ? `${e.field}: ` : ""}${e.message}`);
  return (
    <div className={`node-${kind}`} data-testid={testId} title={lines.join("\n")}>
      <span aria-hidden="true">{kind === "error" ? "⚠" : "△"} </span>
      {problems.length > 1 ? `${problems.length}: ` : ""}
      {lines.join("; ")}
    </div>
  );
}

function LayerNodeViewInner({ id, data, selected }: NodeProps<LayerNode>) {
  const type = data.layerType;
  const report = usePlayground((s) => s.validation?.nodes[id]);
  const errors = usePlayground(useShallow((s) => allErrors(s).filter((e) => e.node === id)));
  const warnings = usePlayground(useShallow((s) => (s.validation?.warnings ?? []).filter((e) => e.node === id)));
  const layer = usePlayground((s) => s.catalog.layers.find((l) => l.type === type));
  const category = layer?.category ?? "unknown";
  const summary = summarizeParams(data.params);
  const field = formatReceptiveField(report?.receptive_field ?? null);
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
      {field && (
        <div className="node-rf" data-testid={`rf-${id}`} title={field.title}>
          {field.text}
        </div>
      )}
      {layer && !layer.trainable_by_gradient && <div className="node-note">not trainable by gradient</div>}
      {type !== "input" && type !== "output" && <NeuronThumbnails id={id} />}
      <ProblemMarker problems={errors} kind="error" testId={`error-of-${id}`} />
      <ProblemMarker problems={warnings} kind="warning" />
      {type !== "output" && (
        <Handle type="source" position={Position.Right} className="handle" data-testid={`handle-${id}-out`} />
      )}
    </div>
  );
}

export const LayerNodeView = memo(LayerNodeViewInner);
