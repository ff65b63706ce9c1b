import { describe, expect, test } from "vitest";
import { ApiError, type Api } from "../api/client";
import type { ClientMessage, ControlAction, RunBody, RunRecord, RunStatus, RunSummary, TrainingConfig } from "../api/types";
import type { StreamHandlers } from "../stream/client";
import { actionsOf, metricsRow, OPTIMIZERS, PROBES, runRecord, runSummary } from "../testing/fixtures";
import { DEFAULT_TRAINING, runKey, starterSetup } from "../state/setup";
import { createPlaygroundStore, setupOf } from "../state/store";
import { controlsOf, latestOf, RunController, type ProbeSink, type StreamLike } from "./controller";
import { MetricsLog } from "./metrics";

type Call = [string, ...unknown[]];

interface FakeOptions {
  /** What POST /api/runs answers instead of a run. */
  refuse?: ApiError;
  /** What the first start answers instead (the server's run limit, say). */
  refuseStart?: ApiError;
  /** What PATCH /training answers instead. */
  refusePatch?: ApiError;
  /** The runs GET /api/runs/{id} knows (else 404). */
  records?: Record<string, RunRecord>;
  /** What GET /api/runs lists. */
  runs?: RunSummary[];
}

function fakeApi(calls: Call[], options: FakeOptions = {}) {
  let n = 0;
  let refuseStart = options.refuseStart;
  const record = (id: string, status: RunStatus) => runRecord(id, status);
  const api: Pick<Api, "createRun" | "getRun" | "listRuns" | "control" | "patchTraining"> = {
    getRun: (id: string) => {
      calls.push(["get", id]);
      const found = options.records?.[id];
      return found ? Promise.resolve(found) : Promise.reject(new ApiError(404, `no run with id '${id}'`));
    },
    listRuns: (limit: number, offset: number) => {
      calls.push(["list", limit, offset]);
      const runs = options.runs ?? [];
      return Promise.resolve({ runs: runs.slice(offset, offset + limit), total: runs.length });
    },
    createRun: (body: RunBody) => {
      calls.push(["create", body]);
      if (options.refuse) return Promise.reject(options.refuse);
      n += 1;
      return Promise.resolve(record(`r${n}`, "created"));
    },
    control: (id: string, action: ControlAction, steps?: number) => {
      calls.push(steps === undefined ? [action, id] : [action, id, steps]);
      if (action === "start" && refuseStart) {
        const refusal = refuseStart;
        refuseStart = undefined;
        return Promise.reject(refusal);
      }
      const status = action === "start" || action === "resume" ? "queued" : action === "stop" ? "stopped" : "paused";
      return Promise.resolve(record(id, status));
    },
    patchTraining: (id, changes) => {
      calls.push(["patch", id, changes]);
      if (options.refusePatch) return Promise.reject(options.refusePatch);
      return Promise.resolve(record(id, "running"));
    },
  };
  return api;
}

function playground() {
  const store = createPlaygroundStore();
  store.getState().actions.setCatalog({ layers: [], datasets: [], presets: [], optimizers: OPTIMIZERS, probes: PROBES });
  return store;
}

function harness(options: FakeOptions = {}) {
  const calls: Call[] = [];
  const store = playground();
  const metrics = new MetricsLog();
  const streams: { id: string; handlers: StreamHandlers; closed: boolean }[] = [];
  const timers: (() => void)[] = [];
  const controller = new RunController({
    store,
    api: fakeApi(calls, options),
    metrics,
    openStream: (id, handlers): StreamLike => {
      const s = { id, handlers, closed: false };
      streams.push(s);
      return { start: () => undefined, close: () => void (s.closed = true) };
    },
    setTimer: (fn) => {
      timers.push(fn);
      return timers.length;
    },
    clearTimer: () => undefined,
  });
  const status = (s: RunStatus, i = streams.length - 1) => {
    const stream = streams[i];
    stream?.handlers.onConnection?.("open");
    stream?.handlers.onStatus?.({ type: "status", run_id: stream.id, status: s, actions: actionsOf(s), error: null, step: null });
  };
  return { calls, store, metrics, streams, controller, timers, status, run: () => store.getState().run };
}

describe("RunController", () => {
  test("play creates a run from the page, listens to it, and starts it", async () => {
    const h = harness();
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start"]);
    const body = h.calls[0]?.[1] as RunBody;
    expect(body.network.nodes[0]?.type).toBe("input");
    expect(body.dataset).toEqual(h.store.getState().dataset);
    expect(body.training).toEqual(h.store.getState().training);
    expect(h.streams.map((s) => s.id)).toEqual(["r1"]);
    expect(h.run()).toMatchObject({ id: "r1", status: "queued", busy: false, error: null });
  });

  test("the stream's statuses and metrics drive the run state", async () => {
    const h = harness();
    await h.controller.play();
    h.status("running");
    h.streams[0]?.handlers.onMetrics?.([
      metricsRow(10, { train_loss: 0.7, steps_per_s: 100 }),
      metricsRow(20, { train_loss: 0.5, test_acc: 0.8, steps_per_s: 120 }),
    ]);
    expect(h.run()).toMatchObject({ status: "running", step: 20, stepsPerS: 120 });
    expect(h.run().latest).toEqual({ train_loss: 0.5, test_loss: null, train_acc: null, test_acc: 0.8 });
    expect(h.metrics.size).toBe(2);
    h.streams[0]?.handlers.onStatus?.({ type: "status", run_id: "r1", status: "failed", actions: [], error: "the loss became NaN", step: 25 });
    expect(h.run()).toMatchObject({ status: "failed", error: "the loss became NaN", step: 25 });
  });

  test("pause, then play resumes the same run", async () => {
    const h = harness();
    await h.controller.play();
    h.status("running");
    await h.controller.pause();
    h.status("paused");
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "pause", "resume"]);
    expect(h.streams).toHaveLength(1);
  });

  test("answers to controls never undo a newer status from the stream", async () => {
    const h = harness();
    await h.controller.play();
    h.status("running");
    h.status("paused"); // the worker paused before the answer to "pause" came back
    expect(h.run().status).toBe("paused");
  });

  test("play after the setup changed stops the old run and makes a new one", async () => {
    const h = harness();
    await h.controller.play();
    h.status("running");
    h.metrics.append([metricsRow(5)]);
    h.store.getState().actions.setDataset("spiral");
    expect(h.controller.isCurrent()).toBe(false);
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "stop", "create", "start"]);
    expect(h.streams[0]?.closed).toBe(true);
    expect(h.metrics.size).toBe(0);
    expect(h.run().id).toBe("r2");
  });

  test("moving a node or changing the learning rate keeps the run", async () => {
    const h = harness();
    await h.controller.play();
    h.status("paused");
    const actions = h.store.getState().actions;
    actions.applyNodeChanges([{ type: "position", id: "h1", position: { x: 999, y: 9 }, dragging: false }]);
    actions.setTraining({ lr: 0.3 });
    expect(h.controller.isCurrent()).toBe(true);
  });

  test("step creates the run if needed, then steps it", async () => {
    const h = harness();
    await h.controller.step();
    expect(h.calls.map((c) => c.slice(0, 1)[0])).toEqual(["create", "step"]);
    expect(h.calls[1]).toEqual(["step", "r1", 1]);
    h.status("paused");
    await h.controller.step(5);
    expect(h.calls[2]).toEqual(["step", "r1", 5]);
  });

  test("a run the server refuses shows its errors and no run", async () => {
    const refusal = new ApiError(422, "the run is invalid", [{ node: "out", field: "shape", message: "needs 2 values" }]);
    const h = harness({ refuse: refusal });
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["create"]);
    expect(h.store.getState().runErrors).toEqual(refusal.errors);
    expect(h.run()).toMatchObject({ id: null, status: "idle", busy: false });
    expect(h.run().error).toContain("needs 2 values");
  });

  test("live training changes are sent together, after a pause in typing; others wait for the next run", async () => {
    const h = harness();
    h.controller.trainingChanged({ lr: 0.1 }); // no run: nothing to send
    expect(h.timers).toHaveLength(0);
    await h.controller.play();
    h.status("running");
    h.controller.trainingChanged({ lr: 0.1 });
    h.controller.trainingChanged({ lr: 0.2, batch_size: 64 });
    h.controller.trainingChanged({ optimizer: "sgd", seed: 4 });
    expect(h.calls.filter((c) => c[0] === "patch")).toEqual([]);
    h.timers[h.timers.length - 1]?.();
    await Promise.resolve();
    expect(h.calls.filter((c) => c[0] === "patch")).toEqual([["patch", "r1", { lr: 0.2, batch_size: 64 }]]);
  });

  test("nothing the run's actions lack is sent", async () => {
    const h = harness();
    await h.controller.play();
    const stream = h.streams[0];
    stream?.handlers.onConnection?.("open");
    // The server allows nothing more (say the run was lost): no pause, stop or live change;
    // play and step make a new run.
    stream?.handlers.onStatus?.({ type: "status", run_id: "r1", status: "paused", actions: [], error: null, step: 3 });
    expect(h.run().actions).toEqual([]);
    await h.controller.pause();
    h.controller.trainingChanged({ lr: 0.5 });
    expect(h.timers).toHaveLength(0);
    await h.controller.step();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "create", "step"]);
  });

  test("a status with only some actions: play starts what cannot resume", async () => {
    const h = harness();
    await h.controller.step(); // created, then stepped: paused
    h.streams[0]?.handlers.onConnection?.("open");
    h.streams[0]?.handlers.onStatus?.({ type: "status", run_id: "r1", status: "paused", actions: ["start", "stop"], error: null, step: 1 });
    await h.controller.play();
    await h.controller.reset();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "step", "start", "stop"]);
  });

  test("controlsOf: exactly the lifecycle table's actions", () => {
    const of = (status: RunStatus) => controlsOf({ actions: actionsOf(status) });
    expect(of("created")).toEqual({ play: "start", pause: false, step: true, stop: true, update: true });
    expect(of("queued")).toEqual({ play: "resume", pause: true, step: true, stop: true, update: true });
    expect(of("running")).toEqual({ play: null, pause: true, step: false, stop: true, update: true });
    expect(of("paused")).toEqual({ play: "resume", pause: false, step: true, stop: true, update: true });
    expect(of("completed")).toEqual({ play: null, pause: false, step: false, stop: false, update: false });
  });

  test("answers carry the actions while the stream is not connected", async () => {
    const h = harness();
    await h.controller.play();
    expect(h.run()).toMatchObject({ status: "queued", actions: actionsOf("queued") });
    await h.controller.togglePlay(); // training: Space pauses
    expect(h.run()).toMatchObject({ status: "paused", actions: actionsOf("paused") });
    await h.controller.togglePlay(); // paused: Space resumes
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "pause", "resume"]);
  });

  test("only the fields in the run's optimizer's live list are sent", async () => {
    const h = harness();
    h.store.getState().actions.setTraining({ optimizer: "sgd" });
    await h.controller.play();
    h.status("running");
    expect(h.run().live).toEqual(["lr", "momentum", "nesterov", "weight_decay", "batch_size", "max_steps"]);
    h.controller.trainingChanged({ beta1: 0.8, momentum: 0.5, nesterov: true, seed: 3 });
    h.timers[h.timers.length - 1]?.();
    await Promise.resolve();
    expect(h.calls.filter((c) => c[0] === "patch")).toEqual([["patch", "r1", { momentum: 0.5, nesterov: true }]]);
  });

  test("reset stops the run, closes the stream, clears the charts and the state", async () => {
    const h = harness();
    await h.controller.play();
    h.status("running");
    h.metrics.append([metricsRow(1)]);
    await h.controller.reset();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "stop"]);
    expect(h.streams[0]?.closed).toBe(true);
    expect(h.metrics.size).toBe(0);
    expect(h.run()).toMatchObject({ id: null, status: "idle", step: 0 });
  });

  test("a finished run is not stopped again, and play makes a new one", async () => {
    const h = harness();
    await h.controller.play();
    h.status("completed");
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "create", "start"]);
  });
});

test("latestOf keeps the last value of each curve", () => {
  const empty = { train_loss: null, test_loss: null, train_acc: null, test_acc: null };
  expect(latestOf(empty, [metricsRow(1, { train_loss: 1, test_acc: 0.5 }), metricsRow(2, { train_loss: 0.5, test_acc: null })])).toEqual({
    ...empty,
    train_loss: 0.5,
    test_acc: 0.5,
  });
});

describe("RunController and the probe views", () => {
  function probeHarness() {
    const store = playground();
    const log: string[] = [];
    const sockets: { id: string; handlers: StreamHandlers; sent: ClientMessage[]; open: boolean }[] = [];
    const probes: ProbeSink = {
      attach: (send) => {
        log.push("attach");
        sendProbe = send;
      },
      detach: () => void log.push("detach"),
      connected: () => void log.push("connected"),
      disconnected: () => void log.push("disconnected"),
      ended: () => void log.push("ended"),
      receive: (frame) => void log.push(`frame ${frame.header.topic}`),
    };
    let sendProbe: ((m: ClientMessage) => boolean) | null = null;
    const controller = new RunController({
      store,
      api: fakeApi([]),
      metrics: new MetricsLog(),
      probes,
      openStream: (id, handlers): StreamLike => {
        const s = { id, handlers, sent: [] as ClientMessage[], open: false };
        sockets.push(s);
        return {
          start: () => undefined,
          close: () => undefined,
          send: (m) => {
            if (!s.open) return false;
            s.sent.push(m);
            return true;
          },
        };
      },
    });
    return { store, log, sockets, controller, send: (m: ClientMessage) => sendProbe?.(m) ?? false };
  }

  const tensor = (topic: string) => ({ header: { topic, node: null, step: 1, dtype: "float32" as const, shape: [0] }, data: new Float32Array(0) });

  test("a run's stream is attached, its (re)connections and frames reach the probes; reset detaches", async () => {
    const h = probeHarness();
    await h.controller.play();
    const socket = h.sockets[0];
    expect(h.log).toEqual(["detach", "attach"]);
    expect(h.send({ type: "subscribe" })).toBe(false);
    if (!socket) throw new Error("no stream");
    socket.open = true;
    socket.handlers.onConnection?.("open");
    expect(h.send({ type: "subscribe", topics: ["erf:c1"] })).toBe(true);
    expect(socket.sent).toEqual([{ type: "subscribe", topics: ["erf:c1"] }]);
    socket.handlers.onTensor?.(tensor("erf:c1"));
    socket.handlers.onConnection?.("reconnecting");
    socket.handlers.onConnection?.("open");
    expect(h.log.slice(2)).toEqual(["connected", "frame erf:c1", "disconnected", "connected"]);
    await h.controller.reset();
    expect(h.log[h.log.length - 1]).toBe("detach");
    // The old stream can no longer send, and its late frames are ignored.
    expect(h.send({ type: "subscribe" })).toBe(false);
    socket.handlers.onTensor?.(tensor("erf:c1"));
    expect(h.log.filter((l) => l.startsWith("frame"))).toHaveLength(1);
  });

  test("when the run stops training, the probe views are asked for again (its final weights), once", async () => {
    const h = probeHarness();
    await h.controller.play();
    const socket = h.sockets[0];
    if (!socket) throw new Error("no stream");
    const status = (s: RunStatus) =>
      socket.handlers.onStatus?.({ type: "status", run_id: "r1", status: s, actions: actionsOf(s), error: null, step: 30 });
    socket.handlers.onConnection?.("open");
    status("running");
    status("paused");
    status("running");
    expect(h.log).not.toContain("ended");
    status("completed");
    status("completed");
    expect(h.log.filter((l) => l === "ended")).toHaveLength(1);
  });
});

describe("RunController: a run found again, the run limit, refused changes, blocked play", () => {
  const spiralRun = (id: string, status: RunStatus, training: Partial<TrainingConfig> = {}) =>
    runRecord(id, status, {
      step: 120,
      error: status === "paused" ? "paused: nobody watched it for 10 minutes" : null,
      config: {
        name: "spiral",
        network: { ...starterSetup().network, name: "spiral" },
        dataset: { name: "spiral", params: { noise: 0.2 } },
        training: { ...DEFAULT_TRAINING, optimizer: "sgd", lr: 0.05, ...training },
        device: "auto",
      },
    });

  test("a run the tab knows is watched again with the page's own setup: status, note, stream; play does not start another", async () => {
    const h = harness({ records: { old: runRecord("old", "running", { step: 120 }) } });
    const key = runKey(setupOf(h.store.getState()));
    expect(await h.controller.adopt("old", key)).toBe(true);
    expect(h.run()).toMatchObject({ id: "old", status: "running", step: 120, key, busy: false, actions: actionsOf("running") });
    expect(h.controller.isCurrent()).toBe(true);
    expect(h.streams.map((s) => s.id)).toEqual(["old"]);
    await h.controller.play(); // it trains already
    expect(h.calls.map((c) => c[0])).toEqual(["get"]);
  });

  test("a run opened without its key brings its own setup, and is current; the server's note shows", async () => {
    const h = harness({ records: { s1: spiralRun("s1", "paused") } });
    expect(await h.controller.adopt("s1")).toBe(true);
    const state = h.store.getState();
    expect(state.dataset).toEqual({ name: "spiral", params: { noise: 0.2 } });
    expect(state.training).toMatchObject({ optimizer: "sgd", lr: 0.05 });
    expect(h.controller.isCurrent()).toBe(true);
    expect(h.run()).toMatchObject({ id: "s1", status: "paused", error: "paused: nobody watched it for 10 minutes" });
    expect(h.run().live).toContain("momentum");
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["get", "resume"]);
  });

  test("a run the server no longer has: false, nothing said, nothing opened", async () => {
    const h = harness();
    expect(await h.controller.adopt("gone")).toBe(false);
    expect(h.run()).toMatchObject({ id: null, status: "idle", error: null, busy: false });
    expect(h.streams).toHaveLength(0);
  });

  test("opening another run leaves the page's run as it was (the runs list shows it)", async () => {
    const h = harness({ records: { s1: spiralRun("s1", "completed") } });
    await h.controller.play();
    h.status("running");
    h.metrics.append([metricsRow(3)]);
    await h.controller.adopt("s1");
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start", "get"]);
    expect(h.streams.map((s) => [s.id, s.closed])).toEqual([["r1", true], ["s1", false]]);
    expect(h.metrics.size).toBe(0); // the stream replays s1's own history
    expect(h.run()).toMatchObject({ id: "s1", status: "completed" });
  });

  test("a start refused by the run limit offers room: the oldest active run but this one is stopped, then this one starts", async () => {
    const limit = new ApiError(409, "the server's limit of 3 active runs is reached; stop or delete a run first");
    const runs = [
      runSummary("new", "running", "2024-01-04T00:00:00Z"),
      runSummary("r1", "created", "2024-01-03T00:00:00Z"),
      runSummary("mid", "paused", "2024-01-02T00:00:00Z"),
      runSummary("old", "stopped", "2024-01-01T00:00:00Z"),
    ];
    const h = harness({ refuseStart: limit, runs });
    await h.controller.play();
    expect(h.run()).toMatchObject({ id: "r1", atRunLimit: true });
    expect(h.run().error).toContain("limit");
    await h.controller.makeRoomAndPlay();
    expect(h.calls.slice(2)).toEqual([["list", 1000, 0], ["stop", "mid"], ["start", "r1"]]);
    expect(h.run()).toMatchObject({ atRunLimit: false, error: null, status: "queued" });
    expect(h.store.getState().notice).toContain("run mid");
  });

  test("other refusals do not offer to stop runs", async () => {
    const h = harness({ refuseStart: new ApiError(409, "the run has completed") });
    await h.controller.play();
    expect(h.run().atRunLimit).toBe(false);
  });

  test("a live change the run refuses: the reason by the field, the value in force back in the form", async () => {
    const refusal = new ApiError(422, "invalid change", [{ node: null, field: "max_steps", message: "at most 1000000" }]);
    const h = harness({ refusePatch: refusal, records: { r1: spiralRun("r1", "running", { max_steps: 5000 }) } });
    await h.controller.play();
    h.status("running");
    h.store.getState().actions.setTraining({ max_steps: 2_000_000 });
    h.controller.trainingChanged({ max_steps: 2_000_000 });
    await h.controller.flushTraining();
    expect(h.calls.slice(-2)).toEqual([["patch", "r1", { max_steps: 2_000_000 }], ["get", "r1"]]);
    expect(h.run().refused).toEqual({ max_steps: "at most 1000000" });
    expect(h.run().error).toBeNull();
    expect(h.store.getState().training.max_steps).toBe(5000);
    // A new value for that field: the refusal is over.
    h.controller.trainingChanged({ max_steps: 6000 });
    expect(h.run().refused).toEqual({});
  });

  test("a refusal naming no field sent goes to the banner", async () => {
    const h = harness({ refusePatch: new ApiError(409, "the run has completed"), records: { r1: spiralRun("r1", "completed") } });
    await h.controller.play();
    h.status("running");
    h.store.getState().actions.setTraining({ lr: 0.2 });
    h.controller.trainingChanged({ lr: 0.2 });
    await h.controller.flushTraining();
    expect(h.store.getState().training.lr).toBe(0.2);
    expect(h.run().error).toBe("training change refused: the run has completed");
    expect(h.run().refused).toEqual({});
    // The value is the next run's: it stays.
    expect(h.calls.filter((c) => c[0] === "get")).toEqual([]);
  });

  test("a settings field without a valid value blocks play and step, and says why", async () => {
    const h = harness();
    const actions = h.store.getState().actions;
    actions.setFieldProblem("lr", "learning rate must be a number above 0 and at most 10 (it reads “50”)");
    await h.controller.play();
    await h.controller.step();
    expect(h.calls).toEqual([]);
    expect(h.store.getState().notice).toContain("Play is blocked: learning rate must be");
    actions.setFieldProblem("lr", null);
    await h.controller.play();
    expect(h.calls.map((c) => c[0])).toEqual(["create", "start"]);
  });
});
