// The page's probe frames, outside React: the newest frame of each topic, handed to
// the panels at most once per animation frame (however fast frames arrive, a panel
// redraws at the screen's pace at most, and a hidden tab keeps only the newest frame).
// It also owns the subscriptions, and is what the run controller feeds.
import type { Frame } from "../stream/frames";
import { ProbeSubscriptions, type ProbeOptions, type Send } from "./subscriptions";
import { unpackProbe, type ProbeFrame } from "./unpack";
import { errorMessage } from "../api/client";

export interface ProbeHubOptions {
  maxHz: number;
  /** Runs `fn` before the next paint (requestAnimationFrame in the page). */
  frame?: (fn: () => void) => void;
  /** Where batched subscription changes run (microtask by default). */
  schedule?: (fn: () => void) => void;
  /** A frame that cannot be read. */
  onProblem?: (message: string) => void;
}

type Listener = () => void;

function nextFrame(fn: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => fn());
  else setTimeout(fn, 16);
}

export class ProbeHub {
  readonly subscriptions: ProbeSubscriptions;
  private readonly shown = new Map<string, ProbeFrame>();
  private readonly pending = new Map<string, ProbeFrame>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly optionListeners = new Set<Listener>();
  private scheduled = false;
  private epoch = 0;
  private readonly frame: (fn: () => void) => void;
  private readonly onProblem: (message: string) => void;

  constructor(options: ProbeHubOptions) {
    this.subscriptions = new ProbeSubscriptions({ maxHz: options.maxHz, schedule: options.schedule });
    this.frame = options.frame ?? nextFrame;
    this.onProblem = options.onProblem ?? (() => undefined);
  }

  // --- for panels ---

  /** Want a topic while shown; returns the release function. */
  want(topic: string): () => void {
    return this.subscriptions.want(topic);
  }

  /** The newest frame of a topic handed out so far (stable between notifications). */
  latest(topic: string): ProbeFrame | null {
    return this.shown.get(topic) ?? null;
  }

  /** Be told when `latest(topic)` changes. */
  listen(topic: string, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(topic);
    };
  }

  get options(): ProbeOptions {
    return this.subscriptions.probeOptions;
  }

  setOptions(changes: Partial<ProbeOptions>): void {
    const before = this.options;
    this.subscriptions.setOptions(changes);
    if (this.options !== before) for (const l of [...this.optionListeners]) l();
  }

  listenOptions(listener: Listener): () => void {
    this.optionListeners.add(listener);
    return () => this.optionListeners.delete(listener);
  }

  // --- for the run controller ---

  /** A new run's stream: subscriptions go through `send` once connected. Frames of the last run go. */
  attach(send: Send): void {
    this.clear();
    this.subscriptions.attach(send);
  }

  /** The run is gone (reset or replaced): no more subscriptions, no frames. */
  detach(): void {
    this.subscriptions.detach();
    this.clear();
  }

  connected(): void {
    this.subscriptions.connected();
  }

  disconnected(): void {
    this.subscriptions.disconnected();
  }

  /** The run ended: the views shown are asked for again, from its final weights. */
  ended(): void {
    this.subscriptions.renew();
  }

  /** A binary frame from the stream. */
  receive(frame: Frame): void {
    let probe: ProbeFrame;
    try {
      probe = unpackProbe(frame);
    } catch (error) {
      this.onProblem(errorMessage(error));
      return;
    }
    const topic = probe.header.topic;
    // Frames of a topic no panel wants any more (still in flight) are not kept.
    if (!this.subscriptions.isWanted(topic)) return;
    this.pending.set(topic, probe);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const epoch = this.epoch;
    this.frame(() => {
      if (epoch !== this.epoch) return;
      this.scheduled = false;
      this.publish();
    });
  }

  /** Hand the pending frames to the panels. */
  publish(): void {
    const topics = [...this.pending.keys()];
    for (const topic of topics) {
      this.shown.set(topic, this.pending.get(topic) as ProbeFrame);
      this.pending.delete(topic);
    }
    for (const topic of topics) for (const l of [...(this.listeners.get(topic) ?? [])]) l();
  }

  private clear(): void {
    this.epoch += 1;
    this.scheduled = false;
    this.pending.clear();
    const topics = [...this.shown.keys()];
    this.shown.clear();
    for (const topic of topics) for (const l of [...(this.listeners.get(topic) ?? [])]) l();
  }
}
