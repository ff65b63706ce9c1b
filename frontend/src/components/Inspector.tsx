// The side panel for the selection: a node's params (from its JSON Schema), its
// shape and size, and delete buttons.
import { useShallow } from "zustand/react/shallow";
import { useLocked } from "../classroom/classState";
import { useActions, usePlayground } from "../context";
import { allErrors } from "../state/store";
import { formatCount, formatShape } from "./LayerNodeView";
import { SchemaForm } from "./SchemaForm";

interface Field {
  size: [number, number];
  jump: [number, number];
}

function receptive(field: unknown): string | null {
  if (typeof field !== "object" || field === null || !("size" in field)) return null;
  const f = field as Field;
  return `${f.size[0]}×${f.size[1]} pixels, stride ${f.jump[0]}×${f.jump[1]}`;
}

export function Inspector() {
  const selectedNodes = usePlayground(useShallow((s) => s.nodes.filter((n) => n.selected)));
  const selectedEdges = usePlayground(useShallow((s) => s.edges.filter((e) => e.selected)));
  const node = selectedNodes.length === 1 ? selectedNodes[0] : undefined;
  const layer = usePlayground((s) => (node ? s.catalog.layers.find((l) => l.type === node.data.layerType) : undefined));
  const report = usePlayground((s) => (node ? s.validation?.nodes[node.id] : undefined));
  const errors = usePlayground(useShallow((s) => (node ? allErrors(s).filter((e) => e.node === node.id) : [])));
  const actions = useActions();
  // The teacher locked the network (a class's "palette" lock): params and deletes are theirs too.
  const locked = useLocked("palette");

  if (node) {
    const field = receptive(report?.receptive_field);
    return (
      <section className="panel inspector" data-testid="inspector" aria-label="Selected layer">
        <h2>
          {node.data.layerType} <code>{node.id}</code>
        </h2>
        {layer ? <p className="doc">{layer.doc}</p> : <p className="doc">Unknown layer type: the server will say so.</p>}
        {layer && !layer.trainable_by_gradient && (
          <p className="note">This layer is not trainable by gradient: its gradient is zero almost everywhere.</p>
        )}
        <dl className="facts">
          <dt>output</dt>
          <dd>{formatShape(report?.shape)}</dd>
          <dt>parameters</dt>
          <dd>{report ? formatCount(report.params) : "?"}</dd>
          {field && (
            <>
              <dt>receptive field</dt>
              <dd>{field}</dd>
            </>
          )}
        </dl>
        <fieldset className="lockable" disabled={locked} data-locked={locked || undefined}>
          <SchemaForm
            key={node.id}
            schema={layer?.params_schema}
            values={node.data.params}
            onChange={(key, value) => actions.setParam(node.id, key, value)}
            testIdPrefix="param-"
            errors={errors}
          />
        </fieldset>
        <button type="button" className="danger" disabled={locked} onClick={() => actions.deleteNode(node.id)} data-testid="btn-delete-node">
          Delete {node.id}
        </button>
      </section>
    );
  }

  const edge = selectedNodes.length === 0 && selectedEdges.length === 1 ? selectedEdges[0] : undefined;
  if (edge) {
    return (
      <section className="panel inspector" data-testid="inspector" aria-label="Selected connection">
        <h2>
          Connection <code>{edge.source}</code> → <code>{edge.target}</code>
        </h2>
        <button type="button" className="danger" disabled={locked} onClick={() => actions.deleteEdge(edge.id)} data-testid="btn-delete-edge">
          Delete connection
        </button>
      </section>
    );
  }

  if (selectedNodes.length + selectedEdges.length > 1) {
    return (
      <section className="panel inspector" data-testid="inspector">
        <h2>{selectedNodes.length + selectedEdges.length} items selected</h2>
        <button type="button" className="danger" disabled={locked} onClick={actions.deleteSelection} data-testid="btn-delete-selection">
          Delete selection
        </button>
      </section>
    );
  }

  return (
    <section className="panel inspector" data-testid="inspector">
      <h2>Layer</h2>
      <p className="muted">
        Select a layer to edit its params. Drag layers from the palette onto the canvas; drag from a layer's right
        handle to another's left handle to connect them.
      </p>
    </section>
  );
}
