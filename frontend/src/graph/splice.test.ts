import { describe, expect, test } from "vitest";
import { edgeId, type LayerEdge } from "./graph";
import { removeBridging, spliceIntoEdge } from "./splice";

const chain = (...ids: string[]): LayerEdge[] =>
  ids.slice(1).map((id, i) => ({ id: edgeId(ids[i] as string, id), source: ids[i] as string, target: id }));
const links = (edges: readonly LayerEdge[] | null) => edges?.map((e) => `${e.source}->${e.target}`).sort() ?? null;

const types: Record<string, string> = { in: "input", a: "linear", b: "relu", out: "output", x: "tanh", i2: "input", o2: "output" };
const typeOf = (id: string) => types[id];

describe("a layer dropped on an edge", () => {
  test("goes between the edge's two ends", () => {
    const edges = chain("in", "a", "b", "out");
    const out = spliceIntoEdge(edges, "a->b", "x", typeOf);
    expect(links(out)).toEqual(["a->x", "in->a", "x->b", "b->out"].sort());
    expect(new Set(out?.map((e) => e.id)).size).toBe(out?.length);
  });

  test("keeps the other edges as they were (their ids and flags too)", () => {
    const edges = chain("in", "a", "b");
    edges[0] = { ...(edges[0] as LayerEdge), selected: true };
    const out = spliceIntoEdge(edges, "a->b", "x", typeOf);
    expect(out?.[0]).toBe(edges[0]);
  });

  test("takes fresh ids when the natural ones are taken", () => {
    const edges: LayerEdge[] = [
      { id: "a->x", source: "in", target: "a" },
      { id: "e", source: "a", target: "b" },
    ];
    const out = spliceIntoEdge(edges, "e", "x", typeOf);
    expect(out?.map((e) => e.id)).toEqual(["a->x", "a->x'", "x->b"]);
  });

  test("is refused where the layer may not sit, or when the edge is gone", () => {
    const edges = chain("in", "a", "out");
    expect(spliceIntoEdge(edges, "in->a", "i2", typeOf)).toBeNull(); // nothing flows into an input
    expect(spliceIntoEdge(edges, "a->out", "o2", typeOf)).toBeNull(); // nothing flows out of an output
    expect(spliceIntoEdge(edges, "nowhere", "x", typeOf)).toBeNull();
  });
});

describe("removing nodes", () => {
  test("a middle node leaves its neighbours joined", () => {
    expect(links(removeBridging(chain("in", "a", "x", "b", "out"), new Set(["x"])))).toEqual(
      ["in->a", "a->b", "b->out"].sort(),
    );
  });

  test("several in a row leave the chain whole", () => {
    expect(links(removeBridging(chain("in", "a", "x", "b", "out"), new Set(["x", "a", "b"])))).toEqual(["in->out"]);
  });

  test("the ends of a chain, merges and forks take their edges with them", () => {
    expect(links(removeBridging(chain("in", "a", "out"), new Set(["in"])))).toEqual(["a->out"]);
    const fork = [...chain("in", "x", "a"), { id: "x->b", source: "x", target: "b" }];
    expect(links(removeBridging(fork, new Set(["x"])))).toEqual([]);
    const merge = [...chain("a", "x", "out"), { id: "b->x", source: "b", target: "x" }];
    expect(links(removeBridging(merge, new Set(["x"])))).toEqual([]);
  });

  test("no second edge beside a skip connection that is already there", () => {
    const edges = [...chain("a", "x", "b"), { id: "a->b", source: "a", target: "b" }];
    expect(removeBridging(edges, new Set(["x"])).map((e) => e.id)).toEqual(["a->b"]);
  });

  test("the new edge's id is fresh", () => {
    const edges = [...chain("a", "x", "b"), { id: "a->b", source: "q", target: "r" }];
    const out = removeBridging(edges, new Set(["x"]));
    expect(out.map((e) => [e.id, e.source, e.target])).toEqual([
      ["a->b", "q", "r"],
      ["a->b'", "a", "b"],
    ]);
  });
});
