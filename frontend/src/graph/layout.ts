// Automatic layout of a network: dagre's layered drawing from left to right, with long
// chains wrapped into rows (like lines of text) so that a fitted network stays readable.
import dagre from "@dagrejs/dagre";
import type { Params, Position } from "../api/types";
import { summarizeParams } from "../forms/schema";
import type { Link } from "./graph";

export interface Size {
  width: number;
  height: number;
}

export interface Box extends Position, Size {}

/** What the layout knows of a node before it is drawn. */
export interface LayoutNode {
  id: string;
  type: string;
  params?: Params;
}

/** Gaps between layers (ranks), between nodes of one layer, and between wrapped rows (pixels). */
export const GAPS = { rank: 48, node: 28, row: 56 } as const;

/** How the canvas fits a network into view; the layout aims at this zoom being readable. */
export const FIT_VIEW = { padding: 0.1, maxZoom: 1.1 } as const;

/**
 * The canvas a layout is made for: its size on a 1280x720 screen (between the side panels,
 * above the charts). A network wraps into rows until it fits there at READABLE_ZOOM.
 */
export const REFERENCE_CANVAS: Size = { width: 748, height: 400 };

/** Node text is 13 px (styles.css --node-font): at this zoom it reads as 10 px or more. */
export const READABLE_ZOOM = 0.8;

// A node's box as styles.css draws .layer-node: 120 to 230 px wide, lines of about 16 px.
// Text widths are guessed per character; the gaps absorb what the guess misses.
const NODE = { minWidth: 120, maxWidth: 230, padX: 20, padY: 18, line: 16 } as const;
const CHAR = { mono: 8, small: 6.4 } as const;
/** The widest line known only once the server answered: "[32, 16, 16]  4.6k params". */
const REPORT_LINE = 150;

/** The box a node is expected to take on the canvas. */
export function estimateNodeSize(node: LayoutNode): Size {
  const summary = summarizeParams(node.params ?? {});
  const head = node.type.length * CHAR.mono + 8 + node.id.length * CHAR.small;
  const text = Math.max(head, summary.length * CHAR.small, REPORT_LINE);
  const width = Math.min(NODE.maxWidth, Math.max(NODE.minWidth, Math.ceil(text + NODE.padX)));
  // Head, shape and parameters, receptive field, one compact problem marker; the summary when there is one.
  const lines = 4 + (summary ? 1 : 0);
  return { width, height: NODE.padY + lines * NODE.line };
}

/** Whether two boxes share any area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The smallest box around all of them. */
export function bounds(boxes: readonly Box[]): Box {
  if (boxes.length === 0) return { x: 0, y: 0, width: 0, height: 0 };
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** The zoom at which the canvas's fitView shows a drawing of this size in a viewport. */
export function fittedZoom(drawing: Size, viewport: Size = REFERENCE_CANVAS): number {
  const grow = 1 + FIT_VIEW.padding;
  return Math.min(
    viewport.width / (drawing.width * grow),
    viewport.height / (drawing.height * grow),
    FIT_VIEW.maxZoom,
  );
}

/** dagre's drawing in one row: each node's box, and the layers (ranks) left to right. */
function layered(nodes: readonly LayoutNode[], edges: readonly Link[]): { boxes: Map<string, Box>; ranks: string[][] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", ranksep: GAPS.rank, nodesep: GAPS.node, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const sizes = new Map(nodes.map((n) => [n.id, estimateNodeSize(n)]));
  // Every node gets a slot of one height, and sits at its top: handles are level with the
  // title (styles.css), so the edges of a chain run straight whatever each node shows.
  const slot = Math.max(0, ...[...sizes.values()].map((s) => s.height));
  for (const [id, size] of sizes) g.setNode(id, { width: size.width, height: slot });
  for (const e of edges) if (sizes.has(e.source) && sizes.has(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);

  const boxes = new Map<string, Box>();
  const columns = new Map<number, string[]>();
  for (const node of nodes) {
    const { x, y } = g.node(node.id) as { x: number; y: number };
    const { width, height } = sizes.get(node.id) as Size;
    boxes.set(node.id, { x: x - width / 2, y: y - slot / 2, width, height });
    // dagre centres the nodes of one layer on one vertical line (left to right drawing).
    const column = Math.round(x);
    const list = columns.get(column);
    if (list) list.push(node.id);
    else columns.set(column, [node.id]);
  }
  const ranks = [...columns.entries()].sort(([a], [b]) => a - b).map(([, ids]) => ids);
  return { boxes, ranks };
}

/** The drawing with `perRow` layers to a row, rows stacked top to bottom, each starting at x = 0. */
function wrapped(boxes: ReadonlyMap<string, Box>, ranks: readonly string[][], perRow: number): Map<string, Box> {
  const out = new Map<string, Box>();
  let top = 0;
  for (let start = 0; start < ranks.length; start += perRow) {
    const ids = ranks.slice(start, start + perRow).flat();
    const frame = bounds(ids.map((id) => boxes.get(id) as Box));
    for (const id of ids) {
      const b = boxes.get(id) as Box;
      out.set(id, { ...b, x: b.x - frame.x, y: b.y - frame.y + top });
    }
    top += frame.height + GAPS.row;
  }
  return out;
}

/**
 * Positions (top-left corners) for every node: layered by dagre, then wrapped into as few
 * rows as keep the fitted network readable on the reference canvas (or, when none does,
 * as many as make it largest).
 */
export function layoutNetwork(nodes: readonly LayoutNode[], edges: readonly Link[]): Map<string, Position> {
  const { boxes, ranks } = layered(nodes, edges);
  let best: Map<string, Box> | null = null;
  let bestZoom = -1;
  for (let perRow = ranks.length; perRow >= 1; perRow--) {
    const rows = Math.ceil(ranks.length / perRow);
    // Only the widest row length for a number of rows: fewer layers to a row adds a row for nothing.
    if (perRow < ranks.length && Math.ceil(ranks.length / (perRow + 1)) === rows) continue;
    const drawing = wrapped(boxes, ranks, perRow);
    const zoom = fittedZoom(bounds([...drawing.values()]));
    if (zoom > bestZoom) {
      best = drawing;
      bestZoom = zoom;
    }
    if (zoom >= READABLE_ZOOM) break;
  }
  const out = new Map<string, Position>();
  for (const [id, b] of best ?? boxes) out.set(id, { x: Math.round(b.x), y: Math.round(b.y) });
  return out;
}

/**
 * Where a node put into the edge source -> target goes, and which nodes move to make room.
 * When both ends sit on one row it goes level with the source, a layer gap after it, and
 * the target and what follows it on that row move right as far as it needs (like the words
 * after one put into a line of text); else it stays where it was dropped, and what is level
 * with it on its right moves the same way.
 */
export function placeInEdge(
  boxes: ReadonlyMap<string, Box>,
  source: string,
  target: string,
  size: Size,
  dropped: Position,
): { at: Position; moved: Map<string, Position> } {
  const [a, b] = [boxes.get(source), boxes.get(target)];
  const onOneRow = a !== undefined && b !== undefined && Math.abs(a.y - b.y) < 1 && b.x > a.x;
  const at = onOneRow ? { x: a.x + a.width + GAPS.rank, y: a.y } : dropped;
  // What moves: level with the new node, and after the source on its row (else after the drop).
  const after = onOneRow ? a.x + a.width / 2 : at.x;
  const level = [...boxes.entries()].filter(
    ([id, n]) => id !== source && n.y < at.y + size.height && at.y < n.y + n.height && n.x + n.width / 2 > after,
  );
  const moved = new Map<string, Position>();
  if (level.length === 0) return { at, moved };
  const push = at.x + size.width + GAPS.rank - Math.min(...level.map(([, n]) => n.x));
  if (push > 0) for (const [id, n] of level) moved.set(id, { x: n.x + push, y: n.y });
  return { at, moved };
}
