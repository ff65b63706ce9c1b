// The live stream of one run: subscribe, decode frames, reconnect with backoff.
// After a drop it resubscribes with "since": the last step it kept, so the server
// replays the rows in between; rows at or before that step are dropped as repeats.
// Text messages both ways are the server's own types (api/generated/frames.ts).
import type { ClientMessage, MetricsRow, ServerFrame, StatusFrame, SubscribeMessage } from "../api/types";
import { decodeFrame, type Frame } from "./frames";
import { errorMessage } from "../api/client";

export type { StatusFrame };

const SERVER_FRAME_TYPES: readonly string[] = ["status", "metrics", "error"] satisfies ServerFrame["type"][];

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface StreamHandlers {
  onStatus?(frame: StatusFrame): void;
  /** New rows only, oldest first (each step larger than any delivered before). */
  onMetrics?(rows: MetricsRow[]): void;
  onTensor?(frame: Frame): void;
  /** A message the server could not apply, or a frame the client could not read. */
  onProblem?(message: string): void;
  onConnection?(state: ConnectionState): void;
}

/** The part of the browser's WebSocket this client uses (a fake in unit tests). */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export interface StreamOptions {
  topics?: string[];
  maxHz?: number;
  /** Only rows after this step are wanted (-1: the whole history). */
  since?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  socket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** Close code with which the server refuses an unknown run: never retried. */
export const UNKNOWN_RUN_CODE = 4404;
const OPEN = 1;

/** Delay before reconnect attempt `attempt` (0-based): doubling, capped. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
}

export class RunStream {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private closed = false;
  private last: number;
  private readonly topics: string[];
  private readonly maxHz: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly makeSocket: (url: string) => SocketLike;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly url: string,
    private readonly handlers: StreamHandlers,
    options: StreamOptions = {},
  ) {
    this.topics = options.topics ?? ["metrics"];
    this.maxHz = options.maxHz ?? 10;
    this.last = options.since ?? -1;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.makeSocket = options.socket ?? ((u) => new WebSocket(u));
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** The last step delivered to onMetrics (-1 before any). */
  get lastStep(): number {
    return this.last;
  }

  get connected(): boolean {
    return this.socket?.readyState === OPEN;
  }

  start(): void {
    this.closed = false;
    this.connect();
  }

  /** Close for good: no more reconnects or callbacks. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onclose = socket.onmessage = socket.onerror = null;
      socket.close(1000, "done");
    }
    this.handlers.onConnection?.("closed");
  }

  /** Send a message if connected; false when it could not be sent. */
  send(message: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private connect(): void {
    this.timer = null;
    this.handlers.onConnection?.(this.attempt === 0 ? "connecting" : "reconnecting");
    let socket: SocketLike;
    try {
      socket = this.makeSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      this.attempt = 0;
      this.handlers.onConnection?.("open");
      const subscribe: SubscribeMessage = { type: "subscribe", topics: this.topics, max_hz: this.maxHz, since: this.last };
      socket.send(JSON.stringify(subscribe));
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return;
      if (event.code === UNKNOWN_RUN_CODE) {
        this.closed = true;
        this.handlers.onProblem?.(event.reason || "the run no longer exists");
        this.handlers.onConnection?.("closed");
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    if (this.closed) return;
    const delay = backoffDelay(this.attempt, this.initialDelayMs, this.maxDelayMs);
    this.attempt += 1;
    this.handlers.onConnection?.("reconnecting");
    this.timer = this.setTimer(() => this.connect(), delay);
  }

  private receive(data: unknown): void {
    if (typeof data !== "string") {
      if (!(data instanceof ArrayBuffer)) return;
      try {
        this.handlers.onTensor?.(decodeFrame(data));
      } catch (error) {
        this.handlers.onProblem?.(errorMessage(error));
      }
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      this.handlers.onProblem?.("the server sent a message that is not JSON");
      return;
    }
    const frame = serverFrame(message);
    if (frame === null) return;
    switch (frame.type) {
      case "status":
        this.handlers.onStatus?.({ ...frame, actions: Array.isArray(frame.actions) ? frame.actions : [] });
        break;
      case "metrics": {
        if (!Array.isArray(frame.rows)) return;
        const fresh: MetricsRow[] = [];
        for (const row of frame.rows) {
          if (typeof row?.step === "number" && row.step > this.last) {
            fresh.push(row);
            this.last = row.step;
          }
        }
        if (fresh.length > 0) this.handlers.onMetrics?.(fresh);
        break;
      }
      case "error":
        this.handlers.onProblem?.(typeof frame.message === "string" ? frame.message : "stream error");
        break;
    }
  }
}

/**
 * A text frame as the server's frame type its tag names; null for what is not one. The
 * fields are the server's; only what the client would trip on is checked by the caller.
 */
function serverFrame(message: unknown): ServerFrame | null {
  if (typeof message !== "object" || message === null) return null;
  const type = (message as { type?: unknown }).type;
  return typeof type === "string" && SERVER_FRAME_TYPES.includes(type) ? (message as ServerFrame) : null;
}
