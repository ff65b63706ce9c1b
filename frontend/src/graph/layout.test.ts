import { describe, expect, test } from "vitest";
import type { NetworkSpec } from "../api/types";
import PRESETS from "./fixtures/presets.json";
import { parseSpec, type Link } from "./graph";
import {
  bounds,
  estimateNodeSize,
  fittedZoom,
  GAPS,
  layoutNetwork,
  overlaps,
  placeInEdge,
  READABLE_ZOOM,
  type Box,
  type LayoutNode,
} from "./layout";

/** Each node's box where the layout puts it, at the size it is expected to take. */
function boxesOf(nodes: readonly LayoutNode[], edges: readonly Link[]): Map<string, Box> {
  const at = layoutNetwork(nodes, edges);
  return new Map(nodes.map((n) => [n.id, { ...(at.get(n.id) ?? { x: NaN, y: NaN }), ...estimateNodeSize(n) }]));
}

function overlapping(boxes: ReadonlyMap<string, Box>): string[] {
  const list = [...boxes.entries()];
  const out: string[] = [];
  list.forEach(([a, boxA], i) => {
    for (const [b, boxB] of list.slice(i + 1)) if (overlaps(boxA, boxB)) out.push(`${a} overlaps ${b}`);
  });
  return out;
}

/** A chain of layers from an input to an output. */
function chain(types: readonly string[]): NetworkSpec {
  const nodes = ["input", ...types, "output"].map((type, i) => ({ id: `n${i}`, type }));
  const edges = nodes.slice(1).map((n, i) => ({ source: `n${i}`, target: n.id }));
  return { version: 1, nodes, edges };
}

/** Demos up to this many nodes fit readably on the reference canvas; deeper ones cannot. */
const READABLE_NODES = 10;

const presets = Object.entries(PRESETS).map(([name, network]) => [name, parseSpec(network)] as const);

/** in -> c1 -> a1 -> (c2 -> a2 -> c3) + skip -> add -> ... -> out: a residual block and a U-shaped skip with concat. */
const branchy: NetworkSpec = {
  version: 1,
  nodes: ["in:input", "c1:conv2d", "a1:relu", "c2:conv2d", "a2:relu", "c3:conv2d", "add:add", "p:maxpool2d", "u:upsample", "cat:concat", "c4:conv2d", "out:output"].map(
    (s) => {
      const [id, type] = s.split(":") as [string, string];
      return { id, type, params: type === "conv2d" ? { out_channels: 16, kernel_size: 3, padding: 1 } : {} };
    },
  ),
  edges: [
    ["in", "c1"], ["c1", "a1"], ["a1", "c2"], ["c2", "a2"], ["a2", "c3"], ["c3", "add"], ["a1", "add"],
    ["add", "p"], ["p", "u"], ["u", "cat"], ["add", "cat"], ["cat", "c4"], ["c4", "out"],
  ].map(([source, target]) => ({ source: source as string, target: target as string })),
};

describe("automatic layout", () => {
  test("the fixture holds the server's demos, the digits CNN among them", () => {
    expect(presets.length).toBeGreaterThanOrEqual(4);
    expect(presets.map(([name]) => name)).toContain("digits-cnn");
  });

  test.each(presets)("%s: every node placed, no two overlap, readable when fitted (or, deep, in rows)", (_, spec) => {
    const boxes = boxesOf(spec.nodes, spec.edges);
    expect([...boxes.values()].every((b) => Number.isFinite(b.x) && Number.isFinite(b.y))).toBe(true);
    expect(overlapping(boxes)).toEqual([]);
    const zoom = fittedZoom(bounds([...boxes.values()]));
    if (spec.nodes.length <= READABLE_NODES) expect(zoom).toBeGreaterThanOrEqual(READABLE_ZOOM);
    // A lesson about depth shows the whole deep network (zoom in to read it): in rows, as large as they go.
    else expect(zoom).toBeGreaterThan(2 * fittedZoom({ width: spec.nodes.length * 166, height: 100 }));
  });

  test("a 10-node CNN wraps into rows, each read left to right, and fits at 10 px text or more", () => {
    const spec = parseSpec(PRESETS["digits-cnn"]);
    expect(spec.nodes).toHaveLength(10);
    const boxes = boxesOf(spec.nodes, spec.edges);
    const rows = new Set([...boxes.values()].map((b) => b.y));
    expect(rows.size).toBeGreaterThan(1);
    expect(13 * fittedZoom(bounds([...boxes.values()]))).toBeGreaterThanOrEqual(10);
    // Within a row every edge goes to the right; from one row to the next it goes down.
    for (const e of spec.edges) {
      const [a, b] = [boxes.get(e.source) as Box, boxes.get(e.target) as Box];
      if (a.y === b.y) expect(b.x).toBeGreaterThan(a.x + a.width);
      else expect(b.y).toBeGreaterThan(a.y + a.height);
    }
  });

  test("a short chain stays on one row", () => {
    const spec = chain(["linear", "relu"]);
    const boxes = boxesOf(spec.nodes, spec.edges);
    expect(new Set([...boxes.values()].map((b) => b.y)).size).toBe(1);
  });

  test("branches side by side, merges after them, no overlaps", () => {
    const boxes = boxesOf(branchy.nodes, branchy.edges);
    expect(overlapping(boxes)).toEqual([]);
    const get = (id: string) => boxes.get(id) as Box;
    // c2 and the skip's a1 -> add edge share layers: add comes after c3, cat after u.
    expect(get("add").x > get("c3").x || get("add").y > get("c3").y).toBe(true);
    expect(get("cat").x > get("u").x || get("cat").y > get("u").y).toBe(true);
  });

  test("a very long chain wraps into many rows without overlaps and makes the most of the canvas", () => {
    const spec = chain(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? "linear" : "relu")));
    const boxes = boxesOf(spec.nodes, spec.edges);
    expect(overlapping(boxes)).toEqual([]);
    expect(new Set([...boxes.values()].map((b) => b.y)).size).toBeGreaterThan(3);
    // Not readable at this size on a small screen, but larger than one row or one column would be.
    const zoom = fittedZoom(bounds([...boxes.values()]));
    const oneRow = fittedZoom({ width: 42 * 166, height: 100 });
    expect(zoom).toBeGreaterThan(3 * oneRow);
  });

  test("edges to unknown nodes and cycles do not break it", () => {
    const nodes = [
      { id: "a", type: "relu" },
      { id: "b", type: "relu" },
    ];
    const at = layoutNetwork(nodes, [
      { source: "a", target: "b" },
      { source: "b", target: "a" },
      { source: "a", target: "nowhere" },
    ]);
    expect([...at.keys()].sort()).toEqual(["a", "b"]);
  });

  test("estimated sizes stay within the node's CSS bounds and grow with the text", () => {
    const small = estimateNodeSize({ id: "a1", type: "relu" });
    const long = estimateNodeSize({ id: "a_very_long_node_name", type: "conv_transpose2d", params: { out_channels: 8 } });
    expect(small.width).toBeGreaterThanOrEqual(120);
    expect(long.width).toBeLessThanOrEqual(230);
    expect(long.width).toBeGreaterThan(small.width);
    expect(long.height).toBeGreaterThan(small.height);
  });

  test("a node put into an edge of a row goes after the source; the rest of the row makes room", () => {
    const spec = parseSpec(PRESETS["digits-cnn"]);
    const boxes = boxesOf(spec.nodes, spec.edges);
    const get = (id: string) => boxes.get(id) as Box;
    const size = estimateNodeSize({ id: "batchnorm1", type: "batchnorm" });
    const { at, moved } = placeInEdge(boxes, "c1", "a1", size, { x: 0, y: 500 });
    expect(at).toEqual({ x: get("c1").x + get("c1").width + GAPS.rank, y: get("c1").y });
    const row = [...boxes.entries()].filter(([, b]) => b.y === get("c1").y && b.x > get("c1").x).map(([id]) => id);
    expect([...moved.keys()].sort()).toEqual(row.sort());
    // Afterwards nothing overlaps, and the row keeps its gaps.
    const after = new Map([...boxes].map(([id, b]) => [id, { ...b, ...(moved.get(id) ?? {}) }]));
    after.set("batchnorm1", { ...at, ...size });
    expect(overlapping(after)).toEqual([]);
    expect((after.get("a1") as Box).x).toBe(at.x + size.width + GAPS.rank);
    // Other rows stay.
    expect(moved.has("c2")).toBe(false);
  });

  test("a node put into an edge between rows stays where it was dropped; what is level on its right makes room", () => {
    const boxes = new Map<string, Box>([
      ["a", { x: 400, y: 0, width: 150, height: 80 }],
      ["b", { x: 0, y: 200, width: 150, height: 80 }],
      ["c", { x: 200, y: 200, width: 150, height: 80 }],
    ]);
    const size = { width: 150, height: 80 };
    const { at, moved } = placeInEdge(boxes, "a", "b", size, { x: 120, y: 190 });
    expect(at).toEqual({ x: 120, y: 190 });
    expect([...moved.entries()]).toEqual([["c", { x: 120 + 150 + GAPS.rank, y: 200 }]]);
    // Where there is room already, nothing moves.
    expect(placeInEdge(boxes, "a", "b", size, { x: 0, y: 400 }).moved.size).toBe(0);
  });

  test("overlaps: shared area only", () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(overlaps(a, { x: 5, y: 5, width: 10, height: 10 })).toBe(true);
    expect(overlaps(a, { x: 10, y: 0, width: 10, height: 10 })).toBe(false);
    expect(overlaps(a, { x: 0, y: 11, width: 10, height: 10 })).toBe(false);
  });
});
