// Which probe topics the run's stream carries: exactly those some shown panel wants.
// Panels `want` a topic while they are on screen (counted, so the decision boundary
// panel and the neuron thumbnails can share one topic); changes are sent as one
// subscribe / unsubscribe pair on the next microtask, so a selection that moves from
// one node to another costs one message each way. After a reconnect the server has
// forgotten everything: `connected()` subscribes to every wanted topic again.

import type { ClientMessage } from "../api/types";

export type Send = (message: ClientMessage) => boolean;

/**
 * The subscribe message's `options`: JSON values by name. The generated type reads the
 * schema's untyped value ("a JSON value") as an object, so plain numbers need this cast.
 */
type SubscribeOptions = Extract<ClientMessage, { type: "subscribe" }>["options"];

/** The loss landscape's options (GET /api/probes, `landscape`); sent as the subscribe message's `options`. */
export interface LandscapeOptions {
  /** Points per side. */
  grid: number;
  /** random: two filter-normalized directions; trajectory: the path's two principal directions. */
  plane: "random" | "trajectory";
  /** Random plane: biases and norm parameters move too (else they stay put). */
  keep_vectors: boolean;
  /** Draws the random directions (a new one computes the slice anew). */
  seed: number;
}

/**
 * Options the server applies to a run's probes (one set per run, shared by its viewers).
 * Every subscribe carries all of them: the server takes each message's as the run's whole set.
 */
export interface ProbeOptions {
  /** Feature maps: which test sample. */
  sample: number;
  /** ERF: mean |g| or mean g^2. */
  reduction: "abs" | "square";
  landscape: LandscapeOptions;
  /**
   * Other probes' options by name, as their registry entries name them (conv_matrix's `size`,
   * segmentation's `image_size`); only those a view set are sent, so a probe that lacks one keeps its default.
   */
  params: Readonly<Record<string, number>>;
}

export const DEFAULT_LANDSCAPE: LandscapeOptions = { grid: 25, plane: "random", keep_vectors: false, seed: 0 };

function sameLandscape(a: LandscapeOptions, b: LandscapeOptions): boolean {
  return a.grid === b.grid && a.plane === b.plane && a.keep_vectors === b.keep_vectors && a.seed === b.seed;
}

function sameParams(a: ProbeOptions["params"], b: ProbeOptions["params"]): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export interface SubscriptionOptions {
  /** The rate asked; the same as the stream's metrics rate (the server has one rate per viewer). */
  maxHz: number;
  /** Where batched changes run (tests pass a manual scheduler). */
  schedule?: (fn: () => void) => void;
}

export class ProbeSubscriptions {
  private readonly counts = new Map<string, number>();
  private readonly sent = new Set<string>();
  private send: Send | null = null;
  private open = false;
  private queued = false;
  private options: ProbeOptions = { sample: 0, reduction: "abs", landscape: DEFAULT_LANDSCAPE, params: {} };
  private readonly maxHz: number;
  private readonly schedule: (fn: () => void) => void;

  constructor(options: SubscriptionOptions) {
    this.maxHz = options.maxHz;
    this.schedule = options.schedule ?? ((fn) => queueMicrotask(fn));
  }

  /** Topics some panel wants now, sorted. */
  get wanted(): string[] {
    return [...this.counts.keys()].sort();
  }

  isWanted(topic: string): boolean {
    return this.counts.has(topic);
  }

  /** Topics the server was asked for on the current connection, sorted. */
  get subscribed(): string[] {
    return [...this.sent].sort();
  }

  get probeOptions(): ProbeOptions {
    return this.options;
  }

  /** Want a topic while a panel shows it; call the returned function when it no longer does. */
  want(topic: string): () => void {
    this.counts.set(topic, (this.counts.get(topic) ?? 0) + 1);
    this.changed();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.counts.get(topic) ?? 1) - 1;
      if (n > 0) this.counts.set(topic, n);
      else this.counts.delete(topic);
      this.changed();
    };
  }

  /** A run's stream: messages go through `send` once it says it is connected. */
  attach(send: Send): void {
    this.send = send;
    this.open = false;
    this.sent.clear();
  }

  /** No run (reset, or a new run about to be created). */
  detach(): void {
    this.send = null;
    this.open = false;
    this.sent.clear();
  }

  /** The socket (re)opened: the server knows none of our topics; ask for all of them. */
  connected(): void {
    if (!this.send) return;
    this.open = true;
    this.sent.clear();
    this.flush();
  }

  /** The socket dropped: nothing is subscribed until it is back. */
  disconnected(): void {
    this.open = false;
    this.sent.clear();
  }

  /**
   * The run trains no more: ask again for every topic subscribed, so that the server sends
   * each view once more from the final weights (its last live frame may be steps before).
   */
  renew(): void {
    if (this.open && this.send && this.sent.size > 0) this.subscribe([...this.sent]);
  }

  /** Change the probe options: the topics already subscribed are asked for again with them. */
  setOptions(changes: Partial<ProbeOptions>): void {
    const next = { ...this.options, ...changes };
    const same =
      next.sample === this.options.sample &&
      next.reduction === this.options.reduction &&
      sameLandscape(next.landscape, this.options.landscape) &&
      sameParams(next.params, this.options.params);
    if (same) return;
    this.options = next;
    if (this.open && this.send && this.sent.size > 0) this.subscribe([...this.sent]);
  }

  private changed(): void {
    if (this.queued) return;
    this.queued = true;
    this.schedule(() => {
      this.queued = false;
      this.flush();
    });
  }

  /** Send the difference between what is wanted and what the server has. */
  flush(): void {
    if (!this.open || !this.send) return;
    const gone = [...this.sent].filter((t) => !this.counts.has(t)).sort();
    const added = [...this.counts.keys()].filter((t) => !this.sent.has(t)).sort();
    if (gone.length > 0 && this.send({ type: "unsubscribe", topics: gone })) {
      for (const t of gone) this.sent.delete(t);
    }
    if (added.length > 0) this.subscribe(added);
  }

  private subscribe(topics: string[]): void {
    const ok = this.send?.({
      type: "subscribe",
      topics,
      max_hz: this.maxHz,
      sample: this.options.sample,
      reduction: this.options.reduction,
      // One flat set for the run: each probe's options model takes its own names and ignores the rest.
      options: { ...this.options.landscape, ...this.options.params } as unknown as SubscribeOptions,
    });
    if (ok) for (const t of topics) this.sent.add(t);
  }
}
