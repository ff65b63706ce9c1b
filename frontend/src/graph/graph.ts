// Graph utilities: cycle check, topological order, connection rules, and the
// conversion between the contract's network spec and the editor's nodes and edges.
import type { Edge, Node } from "@xyflow/react";
import type { NetworkSpec, Params, SpecEdge, SpecNode } from "../api/types";
import { layoutNetwork } from "./layout";

/** What a canvas node carries: the layer type and its params (as the spec has them). */
export interface LayerData extends Record<string, unknown> {
  layerType: string;
  params: Params;
}

export type LayerNode = Node<LayerData, "layer">;
export type LayerEdge = Edge;

export interface Link {
  source: string;
  target: string;
}

function successors(edges: readonly Link[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { source, target } of edges) {
    const list = out.get(source);
    if (list) list.push(target);
    else out.set(source, [target]);
  }
  return out;
}

/** True when `from` reaches `to` along the edges (a node reaches itself). */
export function reaches(edges: readonly Link[], from: string, to: string): boolean {
  const next = successors(edges);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const node = stack.pop() as string;
    if (node === to) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const n of next.get(node) ?? []) stack.push(n);
  }
  return false;
}

/** Whether adding source -> target to the edges would close a cycle. */
export function wouldCreateCycle(edges: readonly Link[], source: string, target: string): boolean {
  return source === target || reaches(edges, target, source);
}

/** The node ids in an order where every edge goes forward (Kahn), or null when there is a cycle. */
export function topologicalOrder(nodeIds: readonly string[], edges: readonly Link[]): string[] | null {
  const known = new Set(nodeIds);
  const indegree = new Map<string, number>(nodeIds.map((id) => [id, 0]));
  const relevant = edges.filter((e) => known.has(e.source) && known.has(e.target));
  for (const e of relevant) indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
  const next = successors(relevant);
  const queue = nodeIds.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    order.push(id);
    for (const t of next.get(id) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  return order.length === nodeIds.length ? order : null;
}

/**
 * Why an edge can never be valid (into an input, out of an output, onto itself,
 * a duplicate, or closing a cycle), or null when it may be drawn. Edges that are
 * wrong only for now (too many inputs, shape mismatches) are left to the server.
 */
export function connectionProblem(
  link: { source: string | null; target: string | null },
  typeOf: (id: string) => string | undefined,
  edges: readonly Link[],
): string | null {
  const { source, target } = link;
  if (!source || !target) return "an edge needs both ends";
  if (source === target) return "a node cannot feed itself";
  if (typeOf(target) === "input") return "nothing can flow into the input";
  if (typeOf(source) === "output") return "nothing flows out of the output";
  if (edges.some((e) => e.source === source && e.target === target)) return "these nodes are already connected";
  if (wouldCreateCycle(edges, source, target)) return "this edge would make a cycle";
  return null;
}

export function edgeId(source: string, target: string): string {
  return `${source}->${target}`;
}

/** The smallest `<type><n>` (n >= 1) not yet taken. */
export function nextNodeId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${type}${n}`;
    if (!used.has(id)) return id;
  }
}

/**
 * The editor's nodes and edges for a spec. Positions come from the spec, unless `relayout`
 * or a node lacks one: then the whole network is laid out afresh (graph/layout.ts).
 */
export function specToFlow(spec: NetworkSpec, { relayout = false } = {}): { nodes: LayerNode[]; edges: LayerEdge[] } {
  const layout = relayout || spec.nodes.some((n) => !n.position) ? layoutNetwork(spec.nodes, spec.edges) : null;
  const nodes: LayerNode[] = spec.nodes.map((n) => {
    const at = (layout ? layout.get(n.id) : n.position) ?? { x: 0, y: 0 };
    return {
      id: n.id,
      type: "layer",
      position: { x: at.x, y: at.y },
      data: { layerType: n.type, params: { ...(n.params ?? {}) } },
      deletable: true,
    };
  });
  const edges: LayerEdge[] = spec.edges.map((e) => ({
    id: e.id ?? edgeId(e.source, e.target),
    source: e.source,
    target: e.target,
  }));
  return { nodes, edges };
}

/** The contract's spec for the editor's graph: ids, types, params, positions (rounded), edges. */
export function flowToSpec(
  nodes: readonly Pick<LayerNode, "id" | "position" | "data">[],
  edges: readonly Pick<LayerEdge, "id" | "source" | "target">[],
  name?: string,
): NetworkSpec {
  const specNodes: SpecNode[] = nodes.map((n) => {
    const node: SpecNode = { id: n.id, type: n.data.layerType };
    if (Object.keys(n.data.params).length > 0) node.params = { ...n.data.params };
    node.position = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
    return node;
  });
  const specEdges: SpecEdge[] = edges.map((e) => ({ source: e.source, target: e.target, id: e.id }));
  const spec: NetworkSpec = { version: 1, nodes: specNodes, edges: specEdges };
  if (name) spec.name = name;
  return spec;
}

/** The spec without editor-only details (positions, edge ids): what decides if a run is still current. */
export function structuralSpec(spec: NetworkSpec): NetworkSpec {
  return {
    version: 1,
    nodes: spec.nodes.map((n) => ({ id: n.id, type: n.type, params: n.params ?? {} })),
    edges: spec.edges.map((e) => ({ source: e.source, target: e.target })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Read untrusted JSON (an imported file, a URL) as a spec; throws an Error saying what is wrong. */
export function parseSpec(value: unknown): NetworkSpec {
  if (!isRecord(value)) throw new Error("a network spec is a JSON object");
  if (value.version !== 1) throw new Error("only network spec version 1 is understood");
  if (!Array.isArray(value.nodes) || !Array.isArray(value.edges)) throw new Error("a spec needs nodes and edges lists");
  const ids = new Set<string>();
  const nodes: SpecNode[] = value.nodes.map((raw, i) => {
    if (!isRecord(raw) || typeof raw.id !== "string" || typeof raw.type !== "string") {
      throw new Error(`node ${i + 1} needs a string id and type`);
    }
    if (ids.has(raw.id)) throw new Error(`two nodes have the id '${raw.id}'`);
    ids.add(raw.id);
    const node: SpecNode = { id: raw.id, type: raw.type };
    if (raw.params !== undefined && raw.params !== null) {
      if (!isRecord(raw.params)) throw new Error(`the params of '${raw.id}' are not an object`);
      node.params = { ...raw.params };
    }
    const p = raw.position;
    if (isRecord(p) && typeof p.x === "number" && typeof p.y === "number") node.position = { x: p.x, y: p.y };
    return node;
  });
  const edges: SpecEdge[] = value.edges.map((raw, i) => {
    if (!isRecord(raw) || typeof raw.source !== "string" || typeof raw.target !== "string") {
      throw new Error(`edge ${i + 1} needs a string source and target`);
    }
    if (!ids.has(raw.source) || !ids.has(raw.target)) {
      throw new Error(`edge ${raw.source} -> ${raw.target} names a node that is not in the spec`);
    }
    const edge: SpecEdge = { source: raw.source, target: raw.target };
    if (typeof raw.id === "string") edge.id = raw.id;
    return edge;
  });
  const spec: NetworkSpec = { version: 1, nodes, edges };
  if (typeof value.name === "string") spec.name = value.name;
  return spec;
}
