// Edits that keep a chain connected: a layer dropped on an edge goes between its two
// ends, and a layer taken out of a chain leaves its neighbours joined.
import { connectionProblem, edgeId, type LayerEdge } from "./graph";

/** An edge id from source to target that none of the edges has yet. */
function freshEdgeId(edges: readonly LayerEdge[], source: string, target: string): string {
  let id = edgeId(source, target);
  while (edges.some((e) => e.id === id)) id += "'";
  return id;
}

/**
 * The edges with `nodeId` put into the edge `through` (A -> B becomes A -> node -> B),
 * or null when the node may not sit there (an input takes nothing in, an output gives
 * nothing out, or the edge is gone). The node must be new: it has no edges yet.
 */
export function spliceIntoEdge(
  edges: readonly LayerEdge[],
  through: string,
  nodeId: string,
  typeOf: (id: string) => string | undefined,
): LayerEdge[] | null {
  const old = edges.find((e) => e.id === through);
  if (!old) return null;
  const rest: LayerEdge[] = edges.filter((e) => e.id !== through);
  if (connectionProblem({ source: old.source, target: nodeId }, typeOf, rest) !== null) return null;
  const first = { id: freshEdgeId(rest, old.source, nodeId), source: old.source, target: nodeId };
  const withFirst = [...rest, first];
  if (connectionProblem({ source: nodeId, target: old.target }, typeOf, withFirst) !== null) return null;
  return [...withFirst, { id: freshEdgeId(withFirst, nodeId, old.target), source: nodeId, target: old.target }];
}

/**
 * The edges once the `gone` nodes are removed. A removed node with exactly one edge in and
 * one out leaves its two neighbours connected (A -> X -> B, without X: A -> B), so taking
 * a layer out of a chain, or several in a row, keeps the chain whole. Other edges of the
 * removed nodes go with them.
 */
export function removeBridging(edges: readonly LayerEdge[], gone: ReadonlySet<string>): LayerEdge[] {
  let out: LayerEdge[] = [...edges];
  for (const id of gone) {
    const into = out.filter((e) => e.target === id);
    const from = out.filter((e) => e.source === id);
    out = out.filter((e) => e.source !== id && e.target !== id);
    const [a, b] = [into[0], from[0]];
    if (into.length !== 1 || from.length !== 1 || !a || !b) continue;
    // A -> B may be there already (a skip connection beside the removed layer): one is enough.
    if (a.source === b.target || out.some((e) => e.source === a.source && e.target === b.target)) continue;
    out.push({ id: freshEdgeId(out, a.source, b.target), source: a.source, target: b.target });
  }
  return out;
}
