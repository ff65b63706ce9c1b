import { describe, expect, test } from "vitest";
import { COMPARE_COLORS, MAX_COMPARED, pairWithout, withCompared, withEntry, withoutCompared, type CompareSlice } from "./compare";
import { createPlaygroundStore } from "./store";

const empty: CompareSlice = { runs: {}, compare: [] };

function slice(...ids: string[]): CompareSlice {
  return ids.reduce((s, id) => withCompared(s, { id }) ?? s, empty);
}

describe("the compared runs", () => {
  test("runs take the palette's colours in order, each kept when the run moves to the base", () => {
    const s = slice("a", "b", "c");
    expect(s.compare).toEqual(["a", "b", "c"]);
    expect(s.compare.map((id) => s.runs[id]?.color)).toEqual(COMPARE_COLORS.slice(0, 3));
    const based = withCompared(s, { id: "c", name: "fork" }, true) as CompareSlice;
    expect(based.compare).toEqual(["c", "a", "b"]);
    expect(based.runs.c).toMatchObject({ color: COMPARE_COLORS[2], name: "fork" });
  });

  test("a run compared again keeps its place and what is known of it", () => {
    const s = withEntry(slice("a", "b"), "a", { step: 30, bestTestAcc: 0.8 });
    const again = withCompared(s, { id: "a", status: "running" }) as CompareSlice;
    expect(again.compare).toEqual(["a", "b"]);
    expect(again.runs.a).toMatchObject({ step: 30, bestTestAcc: 0.8, status: "running" });
  });

  test(`no more than ${MAX_COMPARED}; removing one frees its colour`, () => {
    const full = slice(...Array.from({ length: MAX_COMPARED }, (_, i) => `r${i}`));
    expect(withCompared(full, { id: "x" })).toBeNull();
    const freed = withoutCompared(full, "r1");
    expect(freed.compare).not.toContain("r1");
    expect(freed.runs.r1).toBeUndefined();
    expect(withCompared(freed, { id: "x" })?.runs.x?.color).toBe(COMPARE_COLORS[1]);
  });

  test("an entry that does not change, or a run not shown, leaves the slice as it was", () => {
    const s = withEntry(slice("a"), "a", { step: 3 });
    expect(withEntry(s, "a", { step: 3 })).toBe(s);
    expect(withEntry(s, "zz", { step: 9 })).toBe(s);
    expect(withoutCompared(s, "zz")).toBe(s);
  });

  test("the store's actions: compare, update, uncompare (which closes a pair with the run), clear", () => {
    const store = createPlaygroundStore();
    const { actions } = store.getState();
    let notified = 0;
    store.subscribe(() => (notified += 1));
    expect(actions.compareRun({ id: "a" })).toBe(true);
    actions.compareRun({ id: "b" });
    actions.showPair({ view: "loss_landscape", runs: ["a", "b"] });
    const before = notified;
    actions.updateRunEntry("a", { step: 0 }); // no change: nobody is told
    expect(notified).toBe(before);
    actions.updateRunEntry("a", { step: 4 });
    expect(store.getState().runs.a?.step).toBe(4);
    actions.uncompare("b");
    expect(store.getState()).toMatchObject({ compare: ["a"], pair: null });
    actions.clearCompare();
    expect(store.getState()).toMatchObject({ compare: [], runs: {} });
  });

  test("pairWithout: a run leaves the pair, which closes under two", () => {
    const three = { view: "decision_boundary", runs: ["a", "b", "c"] };
    expect(pairWithout(three, "b")).toEqual({ view: "decision_boundary", runs: ["a", "c"] });
    expect(pairWithout(three, "z")).toBe(three);
    expect(pairWithout({ view: "loss_landscape", runs: ["a", "b"] }, "a")).toBeNull();
    expect(pairWithout(null, "a")).toBeNull();
  });
});
