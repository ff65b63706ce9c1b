// The runs compared with the page's own, outside React: each compared run other than the
// own one gets its own stream (metrics only, plus the probes its views want), its own
// metric history and its own probe hub; the own run's are the playground's, which the
// controller feeds. Which runs have a stream follows the store's `compare` and `run.id`
// (a compared run that stops being the own run gets one, one that becomes it loses it).
import type { Api } from "../api/client";
import type { MetricsRow } from "../api/types";
import type { ProbeHub } from "../probes/hub";
import { MAX_COMPARED, type RunEntryInit } from "../state/compare";
import type { PlaygroundState, PlaygroundStore } from "../state/store";
import type { StreamHandlers } from "../stream/client";
import type { StreamLike } from "./controller";
import { MetricsLog } from "./metrics";
import { errorMessage } from "../api/client";

export interface ComparisonDeps {
  store: PlaygroundStore;
  api: Pick<Api, "getRun">;
  /** The own run's history and probe hub (the controller feeds them). */
  metrics: MetricsLog;
  probes: ProbeHub;
  openStream: (runId: string, handlers: StreamHandlers) => StreamLike;
  /** A probe hub for another run's views. */
  makeHub: () => ProbeHub;
}

/** A compared run other than the own one: its stream, history and probe hub. */
interface Watched {
  stream: StreamLike | null;
  log: MetricsLog;
  hub: ProbeHub;
}

/** The statuses in which the worker holds the run's live model (as the controller has them). */
const TRAINING: readonly string[] = ["queued", "running", "paused"];

/** The best test accuracy among the rows, or `best` when none is better. */
export function bestTestAcc(best: number | null, rows: readonly MetricsRow[]): number | null {
  let out = best;
  for (const row of rows) {
    const v = row.test_acc;
    if (typeof v === "number" && Number.isFinite(v) && (out === null || v > out)) out = v;
  }
  return out;
}


export class Comparison {
  private readonly watched = new Map<string, Watched>();
  private stops: (() => void)[] = [];

  constructor(private readonly deps: ComparisonDeps) {}

  /** Follow the store (streams for the compared runs from now on); returns dispose. */
  start(): () => void {
    this.dispose();
    const { store, metrics } = this.deps;
    this.stops = [
      store.subscribe((state, previous) => {
        if (state.compare !== previous.compare || state.run.id !== previous.run.id) this.sync(state);
        this.mirrorOwn(state);
      }),
      metrics.subscribe((event) => {
        const state = this.state;
        const own = state.run.id;
        if (event.kind !== "append" || own === null || !state.compare.includes(own)) return;
        const entry = state.runs[own];
        state.actions.updateRunEntry(own, { bestTestAcc: bestTestAcc(entry?.bestTestAcc ?? null, event.rows) });
      }),
    ];
    this.sync(this.state);
    return () => this.dispose();
  }

  private get state(): PlaygroundState {
    return this.deps.store.getState();
  }

  /**
   * Overlay a run (last, or first as the base); its name and config come from its record.
   * False, and said, when MAX_COMPARED runs are compared already.
   */
  add(init: RunEntryInit, base = false): boolean {
    const { actions } = this.state;
    if (!actions.compareRun(init, base)) {
      actions.setNotice(`At most ${MAX_COMPARED} runs can be compared at once: stop comparing one first.`);
      return false;
    }
    void this.describe(init.id);
    return true;
  }

  remove(id: string): void {
    this.state.actions.uncompare(id);
  }

  clear(): void {
    this.state.actions.clearCompare();
  }

  /** A compared run's metric history (the own run's is the playground's). */
  metricsOf(id: string): MetricsLog {
    if (id === this.state.run.id) return this.deps.metrics;
    // A view drawn just after the run stopped being compared: an empty history.
    return this.watched.get(id)?.log ?? new MetricsLog();
  }

  /** A compared run's probe hub (the own run's is the playground's); null for a run not compared. */
  hubOf(id: string): ProbeHub | null {
    if (id === this.state.run.id) return this.deps.probes;
    return this.watched.get(id)?.hub ?? null;
  }

  /** Close every stream and stop following the store (start follows it again). */
  dispose(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    for (const id of [...this.watched.keys()]) this.unwatch(id);
  }

  /** Streams for the compared runs other than the own one; none for the others. */
  private sync(state: PlaygroundState): void {
    const others = new Set(state.compare.filter((id) => id !== state.run.id));
    for (const id of [...this.watched.keys()]) if (!others.has(id)) this.unwatch(id);
    for (const id of others) if (!this.watched.has(id)) this.watch(id);
  }

  /** The own run's entry follows its status and step while it is compared. */
  private mirrorOwn(state: PlaygroundState): void {
    const { id, status, step } = state.run;
    const entry = id === null ? undefined : state.runs[id];
    if (id === null || entry === undefined || status === "idle") return;
    if (entry.status !== status || entry.step !== step) state.actions.updateRunEntry(id, { status, step });
  }

  /** The run's name and config (the legend's difference needs it), from its record. */
  private async describe(id: string): Promise<void> {
    try {
      const record = await this.deps.api.getRun(id);
      const entry = this.state.runs[id];
      if (!entry) return;
      this.state.actions.updateRunEntry(id, { name: record.name, config: record.config, step: Math.max(entry.step, record.step) });
    } catch (error) {
      if (this.state.runs[id]) this.state.actions.setNotice(`Cannot read the compared run ${id}: ${errorMessage(error)}`);
    }
  }

  private watch(id: string): void {
    const watched: Watched = { stream: null, log: new MetricsLog(), hub: this.deps.makeHub() };
    this.watched.set(id, watched);
    const mine = () => this.watched.get(id) === watched;
    const entry = () => this.state.runs[id];
    const handlers: StreamHandlers = {
      onStatus: (frame) => {
        const known = entry();
        if (!mine() || !known) return;
        if (frame.status === "deleted") {
          this.gone(id, `“${known.name}” was deleted on the server: it is compared no more.`);
          return;
        }
        const ended = TRAINING.includes(known.status) && !TRAINING.includes(frame.status);
        this.state.actions.updateRunEntry(id, { status: frame.status, step: Math.max(known.step, frame.step ?? 0) });
        if (ended) watched.hub.ended();
      },
      onMetrics: (rows) => {
        const known = entry();
        if (!mine() || !known) return;
        watched.log.append(rows);
        this.state.actions.updateRunEntry(id, {
          step: Math.max(known.step, rows[rows.length - 1]?.step ?? 0),
          bestTestAcc: bestTestAcc(known.bestTestAcc, rows),
        });
      },
      onConnection: (connection) => {
        if (!mine()) return;
        if (connection === "open") watched.hub.connected();
        else if (connection === "closed") {
          // Closed while still watched: the server refused the run (it no longer has it).
          this.gone(id, `“${entry()?.name ?? id}” is gone from the server: it is compared no more.`);
        } else watched.hub.disconnected();
      },
      onTensor: (frame) => {
        if (mine()) watched.hub.receive(frame);
      },
      onProblem: (text) => {
        if (mine()) this.state.actions.setNotice(`${entry()?.name ?? id}: ${text}`);
      },
    };
    const stream = this.deps.openStream(id, handlers);
    watched.stream = stream;
    watched.hub.attach((msg) => (mine() && stream.send ? stream.send(msg) : false));
    stream.start();
  }

  private unwatch(id: string): void {
    const watched = this.watched.get(id);
    if (!watched) return;
    // Forgotten first: the close's own "closed" is then not taken for the server's refusal.
    this.watched.delete(id);
    watched.stream?.close();
    watched.hub.detach();
    watched.log.clear();
  }

  private gone(id: string, notice: string): void {
    this.unwatch(id);
    this.state.actions.uncompare(id);
    this.state.actions.setNotice(notice);
  }
}
