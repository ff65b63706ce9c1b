import { describe, expect, test } from "vitest";
import type { NetworkSpec } from "../api/types";
import {
  connectionProblem,
  flowToSpec,
  nextNodeId,
  parseSpec,
  reaches,
  specToFlow,
  structuralSpec,
  topologicalOrder,
  wouldCreateCycle,
} from "./graph";
import { layoutNetwork } from "./layout";

const chain = (...ids: string[]) => ids.slice(1).map((id, i) => ({ source: ids[i] as string, target: id }));

describe("cycle check", () => {
  test("an edge back to an ancestor closes a cycle", () => {
    const edges = chain("a", "b", "c");
    expect(wouldCreateCycle(edges, "c", "a")).toBe(true);
    expect(wouldCreateCycle(edges, "c", "b")).toBe(true);
  });

  test("forward edges, skips and edges between branches do not", () => {
    const edges = [...chain("a", "b", "c"), { source: "a", target: "d" }];
    expect(wouldCreateCycle(edges, "a", "c")).toBe(false);
    expect(wouldCreateCycle(edges, "d", "c")).toBe(false);
    expect(wouldCreateCycle(edges, "b", "d")).toBe(false);
  });

  test("a self loop is a cycle", () => {
    expect(wouldCreateCycle([], "a", "a")).toBe(true);
  });

  test("reaches follows edges only forwards, through diamonds, without looping forever", () => {
    const edges = [
      { source: "a", target: "b" },
      { source: "a", target: "c" },
      { source: "b", target: "d" },
      { source: "c", target: "d" },
      { source: "x", target: "y" },
      { source: "y", target: "x" },
    ];
    expect(reaches(edges, "a", "d")).toBe(true);
    expect(reaches(edges, "d", "a")).toBe(false);
    expect(reaches(edges, "x", "a")).toBe(false);
  });
});

describe("topological order", () => {
  test("every edge goes forward", () => {
    const edges = [
      { source: "in", target: "c1" },
      { source: "c1", target: "add" },
      { source: "in", target: "add" },
      { source: "add", target: "out" },
    ];
    const order = topologicalOrder(["out", "add", "c1", "in"], edges);
    expect(order).not.toBeNull();
    const at = (id: string) => (order as string[]).indexOf(id);
    for (const e of edges) expect(at(e.source)).toBeLessThan(at(e.target));
    expect(order).toHaveLength(4);
  });

  test("keeps the given order among independent nodes", () => {
    expect(topologicalOrder(["b", "a", "c"], [])).toEqual(["b", "a", "c"]);
  });

  test("null for a cycle", () => {
    expect(topologicalOrder(["a", "b", "c"], [...chain("a", "b", "c"), { source: "c", target: "b" }])).toBeNull();
  });

  test("ignores edges to unknown nodes", () => {
    expect(topologicalOrder(["a", "b"], [{ source: "a", target: "zz" }, ...chain("a", "b")])).toEqual(["a", "b"]);
  });
});

describe("connection rules", () => {
  const types: Record<string, string> = { in: "input", h: "linear", r: "relu", out: "output" };
  const typeOf = (id: string) => types[id];
  const edges = chain("in", "h", "r");

  test("refuses edges that can never be valid", () => {
    expect(connectionProblem({ source: "h", target: "in" }, typeOf, edges)).toMatch(/into the input/);
    expect(connectionProblem({ source: "out", target: "h" }, typeOf, edges)).toMatch(/out of the output/);
    expect(connectionProblem({ source: "r", target: "h" }, typeOf, edges)).toMatch(/cycle/);
    expect(connectionProblem({ source: "h", target: "h" }, typeOf, edges)).toMatch(/itself/);
    expect(connectionProblem({ source: "in", target: "h" }, typeOf, edges)).toMatch(/already connected/);
    expect(connectionProblem({ source: null, target: "h" }, typeOf, edges)).not.toBeNull();
  });

  test("allows what may become valid: the server judges arity and shapes", () => {
    expect(connectionProblem({ source: "r", target: "out" }, typeOf, edges)).toBeNull();
    expect(connectionProblem({ source: "in", target: "r" }, typeOf, edges)).toBeNull();
  });
});

const spec: NetworkSpec = {
  version: 1,
  name: "tiny",
  nodes: [
    { id: "in", type: "input", position: { x: 0, y: 0 } },
    { id: "c1", type: "conv2d", params: { out_channels: 4, kernel_size: [3, 3] }, position: { x: 180.4, y: 10.6 } },
    { id: "out", type: "output", params: { loss: "cross_entropy" }, position: { x: 360, y: 0 } },
  ],
  edges: [
    { source: "in", target: "c1", id: "e1" },
    { source: "c1", target: "out" },
  ],
};

describe("spec <-> canvas", () => {
  test("spec to nodes and edges", () => {
    const { nodes, edges } = specToFlow(spec);
    expect(nodes.map((n) => n.id)).toEqual(["in", "c1", "out"]);
    expect(nodes[1]?.type).toBe("layer");
    expect(nodes[1]?.data).toEqual({ layerType: "conv2d", params: { out_channels: 4, kernel_size: [3, 3] } });
    expect(nodes[0]?.data.params).toEqual({});
    expect(nodes[1]?.position).toEqual({ x: 180.4, y: 10.6 });
    expect(edges).toEqual([
      { id: "e1", source: "in", target: "c1" },
      { id: "c1->out", source: "c1", target: "out" },
    ]);
  });

  test("round trip keeps ids, types, params, edges; positions are rounded", () => {
    const { nodes, edges } = specToFlow(spec);
    const back = flowToSpec(nodes, edges, "tiny");
    expect(back.version).toBe(1);
    expect(back.name).toBe("tiny");
    expect(back.nodes).toEqual([
      { id: "in", type: "input", position: { x: 0, y: 0 } },
      { id: "c1", type: "conv2d", params: { out_channels: 4, kernel_size: [3, 3] }, position: { x: 180, y: 11 } },
      { id: "out", type: "output", params: { loss: "cross_entropy" }, position: { x: 360, y: 0 } },
    ]);
    expect(back.edges.map((e) => [e.source, e.target])).toEqual([
      ["in", "c1"],
      ["c1", "out"],
    ]);
    expect(flowToSpec(specToFlow(back).nodes, specToFlow(back).edges, "tiny")).toEqual(back);
  });

  test("the canvas does not share params objects with the spec", () => {
    const { nodes } = specToFlow(spec);
    (nodes[1]?.data.params as Record<string, unknown>).out_channels = 99;
    expect(spec.nodes[1]?.params?.out_channels).toBe(4);
  });

  test("nodes without positions are laid out layer by layer", () => {
    const bare: NetworkSpec = {
      version: 1,
      nodes: [
        { id: "out", type: "output" },
        { id: "in", type: "input" },
        { id: "a", type: "relu" },
        { id: "b", type: "tanh" },
        { id: "add", type: "add" },
      ],
      edges: [
        { source: "in", target: "a" },
        { source: "in", target: "b" },
        { source: "a", target: "add" },
        { source: "b", target: "add" },
        { source: "add", target: "out" },
      ],
    };
    const at = (id: string) => specToFlow(bare).nodes.find((n) => n.id === id)?.position;
    expect(at("in")?.x).toBe(0);
    expect(at("a")?.x).toBe(at("b")?.x);
    expect(at("a")?.y).not.toBe(at("b")?.y);
    expect(at("add")?.x).toBeGreaterThan(at("a")?.x ?? 0);
    expect(at("out")?.x).toBeGreaterThan(at("add")?.x ?? 0);
    expect(at("out")).toEqual(layoutNetwork(bare.nodes, bare.edges).get("out"));
  });

  test("positions the spec gives are kept, unless a layout afresh is asked for", () => {
    expect(specToFlow(spec).nodes.map((n) => n.position)).toEqual(spec.nodes.map((n) => n.position));
    const fresh = layoutNetwork(spec.nodes, spec.edges);
    expect(specToFlow(spec, { relayout: true }).nodes.map((n) => n.position)).toEqual(spec.nodes.map((n) => fresh.get(n.id)));
  });

  test("the structural spec ignores positions and edge ids", () => {
    const moved = flowToSpec(
      specToFlow(spec).nodes.map((n) => ({ ...n, position: { x: n.position.x + 50, y: 3 } })),
      specToFlow(spec).edges.map((e) => ({ ...e, id: `x${e.id}` })),
    );
    expect(structuralSpec(moved)).toEqual(structuralSpec(spec));
  });
});

describe("parseSpec", () => {
  test("accepts a spec", () => {
    expect(parseSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  test.each([
    [null, /JSON object/],
    [{ version: 2, nodes: [], edges: [] }, /version 1/],
    [{ version: 1, nodes: [] }, /nodes and edges/],
    [{ version: 1, nodes: [{ id: 1, type: "relu" }], edges: [] }, /string id and type/],
    [{ version: 1, nodes: [{ id: "a", type: "relu" }, { id: "a", type: "tanh" }], edges: [] }, /two nodes/],
    [{ version: 1, nodes: [{ id: "a", type: "relu", params: [1] }], edges: [] }, /params/],
    [{ version: 1, nodes: [{ id: "a", type: "relu" }], edges: [{ source: "a", target: "b" }] }, /not in the spec/],
  ])("refuses %j", (value, message) => {
    expect(() => parseSpec(value)).toThrow(message);
  });
});

test("nextNodeId takes the first free number", () => {
  expect(nextNodeId("linear", [])).toBe("linear1");
  expect(nextNodeId("linear", ["linear1", "linear3", "relu2"])).toBe("linear2");
});
