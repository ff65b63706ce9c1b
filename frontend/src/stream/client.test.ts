import { describe, expect, test } from "vitest";
import type { MetricsRow } from "../api/types";
import { metricsRow } from "../testing/fixtures";
import { backoffDelay, RunStream, UNKNOWN_RUN_CODE, type SocketLike, type StreamHandlers } from "./client";

class FakeSocket implements SocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  receive(data: unknown): void {
    this.onmessage?.({ data: typeof data === "string" || data instanceof ArrayBuffer ? data : JSON.stringify(data) } as MessageEvent);
  }
  drop(code = 1006, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

function harness(handlers: StreamHandlers = {}) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const stream = new RunStream("ws://x/api/runs/r1/stream", handlers, {
    topics: ["metrics"],
    maxHz: 10,
    initialDelayMs: 100,
    maxDelayMs: 800,
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
  });
  const fire = () => {
    const t = timers.shift();
    if (!t) throw new Error("no timer");
    t.fn();
    return t.ms;
  };
  return { stream, sockets, timers, fire };
}

const rows = (...steps: number[]): MetricsRow[] => steps.map((step) => metricsRow(step, { train_loss: 1 / step }));

describe("RunStream", () => {
  test("subscribes on open, from the whole history", () => {
    const { stream, sockets } = harness();
    stream.start();
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.binaryType).toBe("arraybuffer");
    sockets[0]?.open();
    expect(sockets[0]?.sent).toEqual([{ type: "subscribe", topics: ["metrics"], max_hz: 10, since: -1 }]);
  });

  test("passes on status frames and new metric rows only", () => {
    const got: number[][] = [];
    const statuses: string[] = [];
    const { stream, sockets } = harness({
      onMetrics: (r) => got.push(r.map((x) => x.step)),
      onStatus: (f) => statuses.push(f.status),
    });
    stream.start();
    const s = sockets[0] as FakeSocket;
    s.open();
    s.receive({ type: "status", status: "running", error: null, step: 0 });
    s.receive({ type: "metrics", rows: rows(1, 2, 3) });
    s.receive({ type: "metrics", rows: rows(2, 3, 4, 5) }); // live rows may repeat a few steps
    s.receive({ type: "metrics", rows: rows(5) });
    expect(statuses).toEqual(["running"]);
    expect(got).toEqual([[1, 2, 3], [4, 5]]);
    expect(stream.lastStep).toBe(5);
  });

  test("reconnects with growing delays and resubscribes since the last step", () => {
    const states: string[] = [];
    const { stream, sockets, fire } = harness({ onConnection: (c) => states.push(c) });
    stream.start();
    sockets[0]?.open();
    sockets[0]?.receive({ type: "metrics", rows: rows(10, 20) });
    sockets[0]?.drop();
    expect(fire()).toBe(100);
    sockets[1]?.drop(); // refused again
    expect(fire()).toBe(200);
    sockets[2]?.drop();
    expect(fire()).toBe(400);
    sockets[3]?.open();
    expect(sockets[3]?.sent).toEqual([{ type: "subscribe", topics: ["metrics"], max_hz: 10, since: 20 }]);
    sockets[3]?.drop();
    expect(fire()).toBe(100); // a successful open resets the backoff
    expect(states).toContain("reconnecting");
    expect(states[states.length - 1]).toBe("reconnecting");
  });

  test("never retries an unknown run", () => {
    const problems: string[] = [];
    const { stream, sockets, timers } = harness({ onProblem: (p) => problems.push(p) });
    stream.start();
    sockets[0]?.drop(UNKNOWN_RUN_CODE, "no run with id 'r1'");
    expect(timers).toHaveLength(0);
    expect(problems).toEqual(["no run with id 'r1'"]);
  });

  test("close stops everything", () => {
    const got: MetricsRow[][] = [];
    const { stream, sockets, timers } = harness({ onMetrics: (r) => got.push(r) });
    stream.start();
    const s = sockets[0] as FakeSocket;
    s.open();
    stream.close();
    expect(s.closedWith).toBe(1000);
    s.receive({ type: "metrics", rows: rows(1) });
    s.drop();
    expect(got).toEqual([]);
    expect(timers).toHaveLength(0);
  });

  test("decodes binary frames and reports server errors and bad frames", () => {
    const tensors: string[] = [];
    const problems: string[] = [];
    const { stream, sockets } = harness({ onTensor: (f) => tensors.push(f.header.topic), onProblem: (p) => problems.push(p) });
    stream.start();
    const s = sockets[0] as FakeSocket;
    s.open();
    const head = new TextEncoder().encode('{"topic":"weights:fc","dtype":"uint8","shape":[2]}');
    const frame = new Uint8Array(4 + head.length + 2);
    new DataView(frame.buffer).setUint32(0, head.length, true);
    frame.set(head, 4);
    s.receive(frame.buffer);
    s.receive(new ArrayBuffer(1));
    s.receive({ type: "error", message: "unknown message type 'x'" });
    s.receive("not json");
    expect(tensors).toEqual(["weights:fc"]);
    expect(problems).toHaveLength(3);
    expect(problems[1]).toBe("unknown message type 'x'");
  });

  test("send only while connected", () => {
    const { stream, sockets } = harness();
    stream.start();
    expect(stream.send({ type: "control", action: "pause" })).toBe(false);
    sockets[0]?.open();
    expect(stream.send({ type: "control", action: "pause" })).toBe(true);
    expect(sockets[0]?.sent[1]).toEqual({ type: "control", action: "pause" });
  });
});

test("backoff doubles up to the cap", () => {
  expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, 500, 8000))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
});
