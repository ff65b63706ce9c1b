import { describe, expect, test } from "vitest";
import type { ClientMessage } from "../api/types";
import type { Frame } from "../stream/frames";
import { ProbeHub } from "./hub";
import { DEFAULT_LANDSCAPE, ProbeSubscriptions } from "./subscriptions";

const LANDSCAPE = { ...DEFAULT_LANDSCAPE };

/** A manual scheduler: queued work runs on `run()`. */
function manual() {
  const queue: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => void queue.push(fn),
    run: () => {
      while (queue.length > 0) queue.shift()?.();
    },
    get size() {
      return queue.length;
    },
  };
}

function setup(maxHz = 10) {
  const tick = manual();
  const sent: ClientMessage[] = [];
  let open = true;
  const subs = new ProbeSubscriptions({ maxHz, schedule: tick.schedule });
  const send = (m: ClientMessage) => {
    if (!open) return false;
    sent.push(m);
    return true;
  };
  return {
    tick,
    sent,
    subs,
    send,
    setOpen: (v: boolean) => {
      open = v;
    },
  };
}

describe("ProbeSubscriptions", () => {
  test("nothing is sent before the stream is attached and open", () => {
    const { subs, tick, sent, send } = setup();
    subs.want("erf:c1");
    tick.run();
    expect(sent).toEqual([]);
    subs.attach(send);
    tick.run();
    expect(sent).toEqual([]);
    subs.connected();
    expect(sent).toEqual([{ type: "subscribe", topics: ["erf:c1"], max_hz: 10, sample: 0, reduction: "abs", options: LANDSCAPE }]);
    expect(subs.subscribed).toEqual(["erf:c1"]);
  });

  test("a change of selection is one unsubscribe and one subscribe, batched", () => {
    const { subs, tick, sent, send } = setup(5);
    subs.attach(send);
    subs.connected();
    const run = subs.want("decision_boundary");
    const a = subs.want("feature_maps:c1");
    const b = subs.want("erf:c1");
    tick.run();
    expect(sent).toEqual([
      { type: "subscribe", topics: ["decision_boundary", "erf:c1", "feature_maps:c1"], max_hz: 5, sample: 0, reduction: "abs", options: LANDSCAPE },
    ]);
    sent.length = 0;
    // The node's panels go, the next node's come, in one render.
    a();
    b();
    subs.want("feature_maps:c2");
    subs.want("erf:c2");
    expect(tick.size).toBe(1);
    tick.run();
    expect(sent).toEqual([
      { type: "unsubscribe", topics: ["erf:c1", "feature_maps:c1"] },
      { type: "subscribe", topics: ["erf:c2", "feature_maps:c2"], max_hz: 5, sample: 0, reduction: "abs", options: LANDSCAPE },
    ]);
    expect(subs.subscribed).toEqual(["decision_boundary", "erf:c2", "feature_maps:c2"]);
    run();
  });

  test("a topic wanted twice stays until both let go; releasing twice counts once", () => {
    const { subs, tick, sent, send } = setup();
    subs.attach(send);
    subs.connected();
    const panel = subs.want("decision_boundary");
    const thumbs = subs.want("decision_boundary");
    tick.run();
    sent.length = 0;
    panel();
    panel();
    tick.run();
    expect(sent).toEqual([]);
    thumbs();
    tick.run();
    expect(sent).toEqual([{ type: "unsubscribe", topics: ["decision_boundary"] }]);
    expect(subs.wanted).toEqual([]);
  });

  test("after a reconnect every wanted topic is asked for again", () => {
    const { subs, tick, sent, send, setOpen } = setup();
    subs.attach(send);
    subs.connected();
    subs.want("erf:c1");
    subs.want("confusion");
    tick.run();
    sent.length = 0;
    setOpen(false);
    subs.disconnected();
    expect(subs.subscribed).toEqual([]);
    // While down, the selection changes: nothing can be sent.
    const gone = subs.want("weights:c1");
    gone();
    tick.run();
    expect(sent).toEqual([]);
    setOpen(true);
    subs.connected();
    expect(sent).toEqual([{ type: "subscribe", topics: ["confusion", "erf:c1"], max_hz: 10, sample: 0, reduction: "abs", options: LANDSCAPE }]);
  });

  test("a new sample re-asks the subscribed topics with it; detach forgets the socket", () => {
    const { subs, tick, sent, send } = setup();
    subs.attach(send);
    subs.connected();
    subs.want("feature_maps:c1");
    tick.run();
    sent.length = 0;
    subs.setOptions({ sample: 3 });
    subs.setOptions({ sample: 3 });
    expect(sent).toEqual([{ type: "subscribe", topics: ["feature_maps:c1"], max_hz: 10, sample: 3, reduction: "abs", options: LANDSCAPE }]);
    subs.detach();
    sent.length = 0;
    subs.want("erf:c1");
    tick.run();
    expect(sent).toEqual([]);
    expect(subs.wanted).toEqual(["erf:c1", "feature_maps:c1"]);
  });


  test("landscape options go with every subscribe; a new seed re-asks, the same options do not", () => {
    const { subs, tick, sent, send } = setup();
    subs.attach(send);
    subs.connected();
    subs.want("loss_landscape");
    tick.run();
    sent.length = 0;
    const grid9 = { ...LANDSCAPE, grid: 9 };
    subs.setOptions({ landscape: grid9 });
    subs.setOptions({ landscape: { ...grid9 } });
    subs.setOptions({ landscape: { ...grid9, seed: 1 } });
    subs.want("erf:c1");
    tick.run();
    expect(sent).toEqual([
      { type: "subscribe", topics: ["loss_landscape"], max_hz: 10, sample: 0, reduction: "abs", options: grid9 },
      { type: "subscribe", topics: ["loss_landscape"], max_hz: 10, sample: 0, reduction: "abs", options: { ...grid9, seed: 1 } },
      // A later subscribe keeps them: the server takes each message's options as the run's.
      { type: "subscribe", topics: ["erf:c1"], max_hz: 10, sample: 0, reduction: "abs", options: { ...grid9, seed: 1 } },
    ]);
  });
  test("other probes' options go in the same set, only once a view sets them; a change re-asks", () => {
    const { subs, tick, sent, send } = setup();
    subs.attach(send);
    subs.connected();
    subs.want("conv_matrix:c1");
    tick.run();
    expect(sent).toEqual([{ type: "subscribe", topics: ["conv_matrix:c1"], max_hz: 10, sample: 0, reduction: "abs", options: LANDSCAPE }]);
    sent.length = 0;
    subs.setOptions({ params: { size: 8 } });
    subs.setOptions({ params: { size: 8 } });
    subs.setOptions({ params: { size: 8, image_size: 96 } });
    expect(sent).toEqual([
      { type: "subscribe", topics: ["conv_matrix:c1"], max_hz: 10, sample: 0, reduction: "abs", options: { ...LANDSCAPE, size: 8 } },
      { type: "subscribe", topics: ["conv_matrix:c1"], max_hz: 10, sample: 0, reduction: "abs", options: { ...LANDSCAPE, size: 8, image_size: 96 } },
    ]);
  });

  test("a run that ended has every subscribed topic asked again (its final weights); nothing while closed", () => {
    const { subs, tick, sent, send, setOpen } = setup();
    subs.renew(); // no stream yet
    subs.attach(send);
    subs.connected();
    subs.want("feature_maps:c1");
    subs.want("confusion");
    tick.run();
    sent.length = 0;
    subs.renew();
    expect(sent).toEqual([{ type: "subscribe", topics: ["confusion", "feature_maps:c1"], max_hz: 10, sample: 0, reduction: "abs", options: LANDSCAPE }]);
    sent.length = 0;
    setOpen(false);
    subs.disconnected();
    subs.renew();
    expect(sent).toEqual([]);
  });
});

function frame(topic: string, step: number): Frame {
  return { header: { topic, node: null, step, dtype: "float32", shape: [2], name: "v" }, data: Float32Array.from([step, 1]) };
}

describe("ProbeHub", () => {
  function hub() {
    const paint = manual();
    const micro = manual();
    const problems: string[] = [];
    const h = new ProbeHub({ maxHz: 10, frame: paint.schedule, schedule: micro.schedule, onProblem: (m) => problems.push(m) });
    return { h, paint, micro, problems };
  }

  test("frames reach panels once per animation frame, newest only", () => {
    const { h, paint } = hub();
    h.want("erf:c1");
    let calls = 0;
    h.listen("erf:c1", () => calls++);
    h.receive(frame("erf:c1", 1));
    h.receive(frame("erf:c1", 2));
    h.receive(frame("erf:c1", 3));
    expect(h.latest("erf:c1")).toBeNull();
    expect(paint.size).toBe(1);
    paint.run();
    expect(calls).toBe(1);
    expect(h.latest("erf:c1")?.header.step).toBe(3);
    expect(Array.from(h.latest("erf:c1")?.arrays.v?.data ?? [])).toEqual([3, 1]);
  });

  test("frames of topics nobody wants are dropped; unreadable frames are reported", () => {
    const { h, paint, problems } = hub();
    h.receive(frame("erf:c9", 1));
    paint.run();
    expect(h.latest("erf:c9")).toBeNull();
    h.want("confusion");
    h.receive({ header: { topic: "confusion", node: null, step: 1, dtype: "float32", shape: [2], parts: [{ name: "m", shape: [3], offset: 0, size: 3 }] }, data: new Float32Array(2) });
    expect(problems).toHaveLength(1);
  });

  test("a new run clears the last run's frames, also those waiting for the next paint", () => {
    const { h, paint } = hub();
    h.want("confusion");
    h.receive(frame("confusion", 5));
    paint.run();
    let calls = 0;
    h.listen("confusion", () => calls++);
    h.receive(frame("confusion", 6));
    h.attach(() => true);
    expect(h.latest("confusion")).toBeNull();
    expect(calls).toBe(1);
    paint.run();
    expect(h.latest("confusion")).toBeNull();
    h.receive(frame("confusion", 1));
    paint.run();
    expect(h.latest("confusion")?.header.step).toBe(1);
    h.detach();
    expect(h.latest("confusion")).toBeNull();
  });

  test("options: listeners hear a change of sample", () => {
    const { h } = hub();
    let heard = 0;
    h.listenOptions(() => heard++);
    h.setOptions({ sample: 2 });
    h.setOptions({ sample: 2 });
    expect(h.options.sample).toBe(2);
    expect(heard).toBe(1);
  });
});
