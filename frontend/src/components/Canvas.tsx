// The node editor: drop layers from the palette, connect handles, select to edit.
// Connections that can never be valid are refused while they are being dragged.
import {
  Background,
  BackgroundVariant,
  ConnectionLineType,
  Controls,
  getBezierPath,
  MarkerType,
  ReactFlow,
  useReactFlow,
  type ConnectionLineComponentProps,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeTypes,
  type OnConnect,
} from "@xyflow/react";
import { useCallback, useEffect, type DragEvent } from "react";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { connectionProblem, type LayerEdge, type LayerNode } from "../graph/graph";
import { LAYER_MIME } from "./dnd";
import { LayerNodeView } from "./LayerNodeView";

const NODE_TYPES: NodeTypes = { layer: LayerNodeView };
const EDGE_DEFAULTS = { markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };

/** The line drawn while connecting: solid blue when the drop would be accepted, dashed red when refused. */
function ConnectionLine({ fromX, fromY, toX, toY, fromPosition, toPosition, connectionStatus }: ConnectionLineComponentProps) {
  const [path] = getBezierPath({
    sourceX: fromX,
    sourceY: fromY,
    sourcePosition: fromPosition,
    targetX: toX,
    targetY: toY,
    targetPosition: toPosition,
  });
  const refused = connectionStatus === "invalid";
  return (
    <g className={refused ? "connection-refused" : "connection-ok"}>
      <path d={path} fill="none" strokeWidth={2.5} strokeDasharray={refused ? "6 4" : undefined} />
      {refused && (
        <text x={toX + 8} y={toY - 8} className="connection-refused-mark">
          ✕
        </text>
      )}
    </g>
  );
}

export function Canvas() {
  const { store } = usePlaygroundContext();
  const nodes = usePlayground((s) => s.nodes);
  const edges = usePlayground((s) => s.edges);
  const viewVersion = usePlayground((s) => s.viewVersion);
  const actions = useActions();
  const { screenToFlowPosition, fitView } = useReactFlow<LayerNode, LayerEdge>();

  useEffect(() => {
    if (viewVersion === 0) return;
    const frame = requestAnimationFrame(() => void fitView({ padding: 0.15, maxZoom: 1.1, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [viewVersion, fitView]);

  const problemOf = useCallback(
    (source: string | null, target: string | null) => {
      const state = store.getState();
      const typeOf = (id: string) => state.nodes.find((n) => n.id === id)?.data.layerType;
      return connectionProblem({ source, target }, typeOf, state.edges);
    },
    [store],
  );

  const isValidConnection: IsValidConnection<LayerEdge> = useCallback(
    (c) => problemOf(c.source, c.target) === null,
    [problemOf],
  );

  const onConnect: OnConnect = useCallback(
    (c) => {
      const problem = actions.connect(c);
      if (problem) actions.setNotice(`Connection refused: ${problem}.`);
    },
    [actions],
  );

  const onConnectEnd = useCallback(
    (_: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.toNode || state.fromNode.id === state.toNode.id) return;
      const forward = state.fromHandle?.type !== "target";
      const source = forward ? state.fromNode.id : state.toNode.id;
      const target = forward ? state.toNode.id : state.fromNode.id;
      const problem = problemOf(source, target);
      if (problem) actions.setNotice(`Connection refused: ${problem}.`);
    },
    [actions, problemOf],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(LAYER_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(LAYER_MIME);
      if (!type) return;
      event.preventDefault();
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      actions.addNode(type, { x: at.x - 60, y: at.y - 25 });
    },
    [actions, screenToFlowPosition],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<LayerNode, LayerEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        defaultEdgeOptions={EDGE_DEFAULTS}
        onNodesChange={actions.applyNodeChanges}
        onEdgesChange={actions.applyEdgeChanges}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        connectionLineType={ConnectionLineType.Bezier}
        onPaneClick={() => actions.select(null)}
        deleteKeyCode={null}
        panActivationKeyCode={null}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.2}
        maxZoom={2.5}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#b8c2cc" />
        <Controls showInteractive={false} />
      </ReactFlow>
      {nodes.length === 0 && (
        <p className="canvas-empty">Drag layers here from the palette, or load a demo from the menu above.</p>
      )}
    </div>
  );
}
