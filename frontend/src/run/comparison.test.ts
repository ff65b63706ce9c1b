import { describe, expect, test } from "vitest";
import { ApiError } from "../api/client";
import type { ClientMessage, RunStatus } from "../api/types";
import { ProbeHub } from "../probes/hub";
import { COMPARE_COLORS, MAX_COMPARED } from "../state/compare";
import { createPlaygroundStore } from "../state/store";
import type { StreamHandlers } from "../stream/client";
import { actionsOf, metricsRow, runRecord } from "../testing/fixtures";
import { bestTestAcc, Comparison } from "./comparison";
import { MetricsLog } from "./metrics";

interface FakeStream {
  id: string;
  handlers: StreamHandlers;
  closed: boolean;
  sent: ClientMessage[];
}

function harness() {
  const store = createPlaygroundStore();
  const metrics = new MetricsLog();
  const hub = () => new ProbeHub({ maxHz: 10, schedule: (fn) => fn(), frame: (fn) => fn() });
  const probes = hub();
  const streams: FakeStream[] = [];
  const comparison = new Comparison({
    store,
    api: {
      getRun: (id) =>
        id.startsWith("gone") ? Promise.reject(new ApiError(404, `no run with id '${id}'`)) : Promise.resolve(runRecord(id, "running", { name: `name of ${id}`, step: 5 })),
    },
    metrics,
    probes,
    makeHub: hub,
    openStream: (id, handlers) => {
      const s: FakeStream = { id, handlers, closed: false, sent: [] };
      streams.push(s);
      return {
        start: () => undefined,
        close: () => {
          s.closed = true;
          handlers.onConnection?.("closed");
        },
        send: (message) => {
          s.sent.push(message);
          return true;
        },
      };
    },
  });
  comparison.start();
  const open = (id: string) => streams.filter((s) => s.id === id && !s.closed);
  const status = (s: FakeStream, st: RunStatus | "deleted", step: number | null = null) =>
    s.handlers.onStatus?.({ type: "status", run_id: s.id, status: st, actions: st === "deleted" ? [] : actionsOf(st), error: null, step });
  const own = (id: string | null) => store.getState().actions.updateRun({ id, status: id === null ? "idle" : "running" });
  return { store, metrics, probes, streams, comparison, open, status, own, state: () => store.getState() };
}

/** Let the record look-ups answer. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Comparison", () => {
  test("a compared run gets its own stream, history and hub: its rows go to its log and its entry only", async () => {
    const h = harness();
    expect(h.comparison.add({ id: "a", name: "a" })).toBe(true);
    const [s] = h.open("a");
    expect(s).toBeDefined();
    const stream = s as FakeStream;
    await settle();
    expect(h.state().runs.a).toMatchObject({ name: "name of a", step: 5, color: COMPARE_COLORS[0] });
    expect(h.state().runs.a?.config?.dataset.name).toBe("circle");

    stream.handlers.onConnection?.("open");
    h.status(stream, "running", 7);
    stream.handlers.onMetrics?.([metricsRow(10, { train_loss: 0.6, test_acc: 0.7 }), metricsRow(20, { train_loss: 0.5, test_acc: 0.65 })]);
    expect(h.comparison.metricsOf("a").all.map((r) => r.step)).toEqual([10, 20]);
    expect(h.metrics.size).toBe(0);
    expect(h.state().runs.a).toMatchObject({ status: "running", step: 20, bestTestAcc: 0.7 });
    expect(h.comparison.hubOf("a")).not.toBe(h.probes);
  });

  test("the own run uses the playground's log and hub, no stream; its entry follows its status, step and best accuracy", () => {
    const h = harness();
    h.own("me");
    h.comparison.add({ id: "me" }, true);
    h.comparison.add({ id: "b" });
    expect(h.streams.map((s) => s.id)).toEqual(["b"]);
    expect(h.comparison.metricsOf("me")).toBe(h.metrics);
    expect(h.comparison.hubOf("me")).toBe(h.probes);
    h.store.getState().actions.updateRun({ status: "paused", step: 42 });
    h.metrics.append([metricsRow(40, { test_acc: 0.9 }), metricsRow(42, { test_acc: 0.8 })]);
    expect(h.state().runs.me).toMatchObject({ status: "paused", step: 42, bestTestAcc: 0.9 });
    expect(h.state().compare).toEqual(["me", "b"]);
  });

  test("a compared run stops being the own run: it gets a stream; one that becomes the own run loses its own", () => {
    const h = harness();
    h.own("me");
    h.comparison.add({ id: "me" }, true);
    h.comparison.add({ id: "b" });
    h.own(null); // reset: the run goes on, shown as any other
    expect(h.open("me")).toHaveLength(1);
    h.own("b"); // opened here: the controller streams it now
    expect(h.open("b")).toHaveLength(0);
    expect(h.comparison.metricsOf("b")).toBe(h.metrics);
    // Closing it was not taken for the server's refusal.
    expect(h.state().compare).toEqual(["me", "b"]);
  });

  test(`at most ${MAX_COMPARED} runs: the next is refused, and said`, () => {
    const h = harness();
    for (let i = 0; i < MAX_COMPARED; i++) expect(h.comparison.add({ id: `r${i}` })).toBe(true);
    expect(new Set(Object.values(h.state().runs).map((r) => r.color)).size).toBe(MAX_COMPARED);
    expect(h.comparison.add({ id: "one-more" })).toBe(false);
    expect(h.state().notice).toContain(`At most ${MAX_COMPARED} runs`);
    expect(h.state().compare).toHaveLength(MAX_COMPARED);
    expect(h.open("one-more")).toHaveLength(0);
  });

  test("streams close on removal, on clear and on dispose; a freed colour is taken again", () => {
    const h = harness();
    h.comparison.add({ id: "a" });
    h.comparison.add({ id: "b" });
    h.comparison.add({ id: "c" });
    h.comparison.remove("a");
    expect(h.open("a")).toHaveLength(0);
    expect(h.state().runs.a).toBeUndefined();
    h.comparison.add({ id: "d" });
    expect(h.state().runs.d?.color).toBe(COMPARE_COLORS[0]);
    h.comparison.clear();
    expect(h.streams.every((s) => s.closed)).toBe(true);
    h.comparison.add({ id: "e" });
    h.comparison.dispose();
    expect(h.open("e")).toHaveLength(0);
    // Disposed: no stream follows the store any more, until it starts again.
    h.comparison.add({ id: "f" });
    expect(h.streams.map((s) => s.id)).not.toContain("f");
    h.comparison.start();
    expect(h.open("e")).toHaveLength(1);
    expect(h.open("f")).toHaveLength(1);
  });

  test("a run deleted on the server (its status frame says so) is compared no more, and said", () => {
    const h = harness();
    h.comparison.add({ id: "a", name: "spiral" });
    h.comparison.add({ id: "b" });
    h.status(h.open("a")[0] as FakeStream, "deleted");
    expect(h.open("a")).toHaveLength(0);
    expect(h.state().compare).toEqual(["b"]);
    expect(h.state().notice).toContain("“spiral” was deleted");
  });

  test("a stream the server closes for an unknown run ends the comparison of that run", () => {
    const h = harness();
    h.comparison.add({ id: "a", name: "spiral" });
    const stream = h.open("a")[0] as FakeStream;
    stream.handlers.onProblem?.("no run with id 'a'");
    stream.handlers.onConnection?.("closed");
    expect(h.state().compare).toEqual([]);
    expect(h.state().notice).toContain("is gone from the server");
  });

  test("a run whose record cannot be read is said so", async () => {
    const h = harness();
    h.comparison.add({ id: "gone1" });
    await settle();
    expect(h.state().notice).toContain("Cannot read the compared run gone1");
  });

  test("its hub subscribes through its own stream, is told when it ends, and gets its frames", () => {
    const h = harness();
    h.comparison.add({ id: "a" });
    const stream = h.open("a")[0] as FakeStream;
    const hub = h.comparison.hubOf("a") as ProbeHub;
    const release = hub.want("loss_landscape");
    stream.handlers.onConnection?.("open");
    expect(stream.sent.map((m) => m.type)).toContain("subscribe");
    expect(JSON.stringify(stream.sent)).toContain("loss_landscape");
    h.status(stream, "running");
    const before = stream.sent.length;
    h.status(stream, "completed");
    // Ended: the views shown are asked for again, from the final weights.
    expect(stream.sent.length).toBeGreaterThan(before);
    release();
  });

  test("bestTestAcc keeps the best evaluated value", () => {
    expect(bestTestAcc(null, [metricsRow(1), metricsRow(2, { test_acc: 0.5 })])).toBe(0.5);
    expect(bestTestAcc(0.9, [metricsRow(3, { test_acc: 0.5 })])).toBe(0.9);
    expect(bestTestAcc(null, [])).toBeNull();
  });
});
