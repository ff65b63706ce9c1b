// The node editor: drop layers from the palette (onto an edge: into it), connect handles,
// select to edit. Connections that can never be valid are refused while they are being dragged.
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
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { useLocked } from "../classroom/classState";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { connectionProblem, type LayerEdge, type LayerNode } from "../graph/graph";
import { FIT_VIEW } from "../graph/layout";
import { LAYER_MIME } from "./dnd";
import { LayerNodeView } from "./LayerNodeView";

const NODE_TYPES: NodeTypes = { layer: LayerNodeView };
const EDGE_DEFAULTS = { markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };

/** The edge drawn at a point of the screen, if the topmost thing there is one (its wide invisible hit path counts). */
function edgeAt(x: number, y: number): string | null {
  return document.elementFromPoint(x, y)?.closest(".react-flow__edge")?.getAttribute("data-id") ?? null;
}

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
  const canvasRef = useRef<HTMLDivElement>(null);
  // The view is the automatic fit until the user pans or zooms: till then it follows the canvas's size.
  const autoFit = useRef(true);
  // The edge a layer being dragged from the palette would go into, marked while it is over it.
  const [dropEdge, setDropEdge] = useState<string | null>(null);
  // Locked by the teacher (a class's "palette" lock): nodes can be selected (their views show), not moved, connected or dropped.
  const locked = useLocked("palette");

  const shownEdges = useMemo(() => {
    const x = new Map(nodes.map((n) => [n.id, n.position.x]));
    return edges.map((e) => {
      // An edge back to the left (from the end of a row to the start of the next) turns square
      // corners through the gap between the rows instead of curving across them.
      const back = (x.get(e.target) ?? 0) < (x.get(e.source) ?? 0);
      const drop = e.id === dropEdge;
      return back || drop ? { ...e, type: back ? "smoothstep" : e.type, className: drop ? "drop-target" : e.className } : e;
    });
  }, [nodes, edges, dropEdge]);

  useEffect(() => {
    if (viewVersion === 0) return;
    autoFit.current = true;
    const frame = requestAnimationFrame(() => void fitView({ ...FIT_VIEW, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [viewVersion, fitView]);

  useEffect(() => {
    const el = canvasRef.current;
    if (!el) return;
    let frame = 0;
    // A frame later, once React Flow has taken the new size itself.
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => void (autoFit.current && fitView(FIT_VIEW)));
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [fitView]);

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
    if (locked || !event.dataTransfer.types.includes(LAYER_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDropEdge(edgeAt(event.clientX, event.clientY));
  }, [locked]);

  const onDragLeave = useCallback((event: DragEvent) => {
    // Moving between the canvas's own elements is not leaving it.
    if (!(event.relatedTarget instanceof Node && event.currentTarget.contains(event.relatedTarget))) setDropEdge(null);
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      setDropEdge(null);
      const type = event.dataTransfer.getData(LAYER_MIME);
      if (!type || locked) return;
      event.preventDefault();
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      actions.addNode(type, { x: at.x - 60, y: at.y - 25 }, edgeAt(event.clientX, event.clientY) ?? undefined);
    },
    [actions, screenToFlowPosition, locked],
  );

  return (
    <div
      ref={canvasRef}
      className="canvas"
      data-testid="canvas"
      data-locked={locked || undefined}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <ReactFlow<LayerNode, LayerEdge>
        nodes={nodes}
        edges={shownEdges}
        nodeTypes={NODE_TYPES}
        defaultEdgeOptions={EDGE_DEFAULTS}
        onNodesChange={actions.applyNodeChanges}
        onEdgesChange={actions.applyEdgeChanges}
        nodesDraggable={!locked}
        nodesConnectable={!locked}
        edgesReconnectable={!locked}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        connectionLineType={ConnectionLineType.Bezier}
        onPaneClick={() => actions.select(null)}
        onMoveStart={(event) => {
          // Programmatic moves (fitting the view) come without an event.
          if (event) autoFit.current = false;
        }}
        deleteKeyCode={null}
        panActivationKeyCode={null}
        fitView
        fitViewOptions={FIT_VIEW}
        minZoom={0.2}
        maxZoom={2.5}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#b8c2cc" />
        <Controls showInteractive={false} />
      </ReactFlow>
      {locked && (
        <p className="canvas-locked" data-testid="lock-note-canvas">
          🔒 locked by your teacher
        </p>
      )}
      {nodes.length === 0 && (
        <p className="canvas-empty">Drag layers here from the palette, or load a demo from the menu above.</p>
      )}
    </div>
  );
}
