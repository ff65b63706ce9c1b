// Play, pause, step, reset and live training changes: the run's life cycle,
// between the store, the REST API and the stream.
import { ApiError, errorMessage, type Api } from "../api/client";
import type { ClientMessage, MetricsRow, RunAction, RunRecord, TrainingConfig } from "../api/types";
import type { StreamHandlers } from "../stream/client";
import type { Frame } from "../stream/frames";
import { optimizerInfo, parseSetup, runKey, trainingValue } from "../state/setup";
import { setupOf, type LatestMetrics, type PlaygroundStore, type RunState } from "../state/store";
import type { MetricsLog } from "./metrics";
import { blockedSentence, playProblems } from "./playBlocked";
import { allRuns, isRunLimit, oldestIdleRun } from "./runLimit";

export interface StreamLike {
  start(): void;
  close(): void;
  /** Send a message on the open socket; false when not connected. */
  send?(message: ClientMessage): boolean;
}

/** Where the run's probe frames go, and who subscribes to probe topics (see probes/hub.ts). */
export interface ProbeSink {
  attach(send: (message: ClientMessage) => boolean): void;
  detach(): void;
  connected(): void;
  disconnected(): void;
  /** The run trains no more: the views shown are asked for again (from its final weights). */
  ended(): void;
  receive(frame: Frame): void;
}

export interface ControllerDeps {
  store: PlaygroundStore;
  api: Pick<Api, "createRun" | "getRun" | "listRuns" | "control" | "patchTraining">;
  metrics: MetricsLog;
  openStream: (runId: string, handlers: StreamHandlers) => StreamLike;
  /** The probe panels' frames and subscriptions (optional: the run works without them). */
  probes?: ProbeSink;
  /** Delay before live training changes are sent (coalesces typing). */
  patchDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** The statuses in which the worker holds the run's live model (its probes follow the training). */
const TRAINING: readonly string[] = ["queued", "running", "paused"];

/** The controls that would do something to the run now. */
export interface Controls {
  /** What play sends: resume or start; null when neither applies (play then makes a new run). */
  play: "start" | "resume" | null;
  pause: boolean;
  step: boolean;
  stop: boolean;
  /** Training settings may change (PATCH). */
  update: boolean;
}

/**
 * What may be done to the run comes from the server's lifecycle table: the `actions` of
 * its answers and status frames list the controls that would do something now, and
 * nothing they do not list is ever sent.
 */
export function controlsOf(run: Pick<RunState, "actions">): Controls {
  const allowed = (action: RunAction) => run.actions.includes(action);
  return {
    play: allowed("resume") ? "resume" : allowed("start") ? "start" : null,
    pause: allowed("pause"),
    step: allowed("step"),
    stop: allowed("stop"),
    update: allowed("update"),
  };
}

function message(error: unknown): string {
  if (error instanceof ApiError) {
    const first = error.errors[0];
    return first ? `${error.message}: ${first.message}` : error.message;
  }
  return errorMessage(error);
}

/**
 * The refusal's messages for the fields it names among those sent (a field may come back
 * as `training.lr` or `lr`); empty when it names none of them.
 */
export function refusalsOf(error: unknown, sent: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.errors) {
    const field = e.field?.split(".").pop();
    if (field !== undefined && sent.includes(field)) out[field] = e.message;
  }
  return out;
}

/** Newest value of each curve, carried over where a row has none. */
export function latestOf(previous: LatestMetrics, rows: readonly MetricsRow[]): LatestMetrics {
  const out = { ...previous };
  for (const row of rows) {
    for (const key of ["train_loss", "test_loss", "train_acc", "test_acc"] as const) {
      const v = row[key];
      if (typeof v === "number") out[key] = v;
    }
  }
  return out;
}

export class RunController {
  private stream: StreamLike | null = null;
  private pending: Partial<TrainingConfig> = {};
  private patchTimer: unknown = null;
  private readonly patchDelayMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly deps: ControllerDeps) {
    this.patchDelayMs = deps.patchDelayMs ?? 300;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  private get run(): RunState {
    return this.deps.store.getState().run;
  }

  private update(changes: Partial<RunState>): void {
    this.deps.store.getState().actions.updateRun(changes);
  }

  /** Whether the current run was made from the setup now on the page. */
  isCurrent(): boolean {
    const state = this.deps.store.getState();
    return state.run.id !== null && state.run.key === runKey(setupOf(state));
  }

  /** Train: resume or start the current run, or create one from the page first. */
  async play(): Promise<void> {
    const run = this.run;
    if (run.busy || this.blocked()) return;
    const current = this.isCurrent();
    const controls = controlsOf(run);
    if (current && controls.pause) return; // it trains already
    const action = current ? controls.play : null;
    await this.guard(async () => {
      if (action !== null && run.id) {
        this.applyRecord(await this.deps.api.control(run.id, action));
        return;
      }
      // No run, another setup's, or one that can train no more: a new run.
      const id = await this.create();
      if (id === null) return;
      this.applyRecord(await this.deps.api.control(id, "start"));
    });
  }

  async pause(): Promise<void> {
    const run = this.run;
    if (run.busy || !run.id || !controlsOf(run).pause) return;
    const id = run.id;
    await this.guard(async () => {
      this.applyRecord(await this.deps.api.control(id, "pause"));
    });
  }

  async togglePlay(): Promise<void> {
    if (controlsOf(this.run).pause) await this.pause();
    else await this.play();
  }

  /** Take n steps, then stay paused (creating the run first if needed). */
  async step(n = 1): Promise<void> {
    const run = this.run;
    const controls = controlsOf(run);
    if (run.busy || controls.pause || this.blocked()) return; // pause it first
    await this.guard(async () => {
      let id = this.isCurrent() && controls.step ? run.id : null;
      if (id === null) id = await this.create();
      if (id === null) return;
      this.applyRecord(await this.deps.api.control(id, "step", n));
    });
  }

  /** Stop the run for good, keeping it on the page (its curves, its last status). */
  async stop(): Promise<void> {
    const run = this.run;
    if (run.busy || !run.id || !controlsOf(run).stop) return;
    const id = run.id;
    await this.guard(async () => {
      this.applyRecord(await this.deps.api.control(id, "stop"));
    });
  }

  /**
   * Watch a run the server has (the URL named it at load, or the runs list opened it): its
   * status, curves (the stream replays its history) and controls come back. The page's
   * current run, if another, is left as it is: the runs list shows it. `key` is the key of
   * the setup the run was made from when this tab knows it (the page then keeps its own
   * setup, and says whether it changed since); otherwise the run's own setup is loaded.
   * False, and nothing said, when the server no longer has the run.
   */
  async adopt(id: string, key: string | null = null): Promise<boolean> {
    if (this.run.busy) return false;
    this.update({ busy: true });
    try {
      let record: RunRecord;
      try {
        record = await this.deps.api.getRun(id);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return false;
        throw error;
      }
      this.release();
      const state = this.deps.store.getState();
      let setupKey = key;
      if (setupKey === null) {
        state.actions.loadSetup(parseSetup(record.config, setupOf(state), state.catalog.optimizers));
        setupKey = runKey(setupOf(this.deps.store.getState()));
      }
      state.actions.resetRun();
      const optimizer = record.config.training?.optimizer ?? state.training.optimizer;
      this.update({
        id: record.id,
        status: record.status,
        error: record.error,
        actions: record.actions,
        live: optimizerInfo(state.catalog.optimizers, optimizer)?.live ?? [],
        step: record.step,
        key: setupKey,
        busy: true,
      });
      this.listen(record.id);
      return true;
    } catch (error) {
      this.update({ error: `cannot open the run: ${message(error)}` });
      return false;
    } finally {
      this.update({ busy: false });
    }
  }

  /**
   * The server's run limit refused to start this run: stop the oldest active run other
   * than this one (POST stop), then train this one.
   */
  async makeRoomAndPlay(): Promise<void> {
    const own = this.run.id;
    let stopped = false;
    await this.guard(async () => {
      const oldest = oldestIdleRun(await allRuns(this.deps.api), own);
      if (oldest === null) throw new Error("no other active run to stop: the limit is this server's, ask who runs it");
      await this.deps.api.control(oldest.id, "stop");
      this.deps.store.getState().actions.setNotice(`Stopped “${oldest.name}” (step ${oldest.step}) to make room for this run.`);
      this.update({ error: null, atRunLimit: false });
      stopped = true;
    });
    if (stopped) await this.play();
  }

  /** Stop the run (if any), forget it and clear the charts. */
  async reset(): Promise<void> {
    await this.discard();
    this.deps.store.getState().actions.resetRun();
  }

  /**
   * Training settings changed on the page: send those its optimizer takes live (the
   * registry's `live` list) to a run that can still take them (`update` in its actions).
   */
  trainingChanged(changes: Partial<TrainingConfig>): void {
    const run = this.run;
    // A new value of a field the run refused: the refusal is over, whatever the run says next.
    const cleared = Object.keys(run.refused).filter((field) => field in changes);
    if (cleared.length > 0) {
      const refused = { ...run.refused };
      for (const field of cleared) delete refused[field];
      this.update({ refused });
    }
    if (!run.id || !controlsOf(run).update) return;
    for (const field of run.live) {
      const value = trainingValue(changes as TrainingConfig, field);
      if (value !== undefined) (this.pending as Record<string, unknown>)[field] = value;
    }
    if (Object.keys(this.pending).length === 0) return;
    if (this.patchTimer !== null) this.clearTimer(this.patchTimer);
    this.patchTimer = this.setTimer(() => void this.flushTraining(), this.patchDelayMs);
  }

  async flushTraining(): Promise<void> {
    this.patchTimer = null;
    const changes = this.pending;
    this.pending = {};
    const id = this.run.id;
    if (!id || Object.keys(changes).length === 0) return;
    try {
      await this.deps.api.patchTraining(id, changes);
      if (this.run.error?.startsWith("training change refused")) this.update({ error: null });
    } catch (error) {
      // The values were refused (422), not the moment (409: the run ended; they are for the next run).
      if (error instanceof ApiError && error.status === 422) await this.restoreInForce(id, Object.keys(changes));
      // Said once the fields show what the run keeps.
      const refused = refusalsOf(error, Object.keys(changes));
      if (Object.keys(refused).length > 0) this.update({ refused: { ...this.run.refused, ...refused } });
      else this.update({ error: `training change refused: ${message(error)}` });
    }
  }

  /**
   * After a refused change, the fields show what the run trains with: the values of its
   * record (the refusal changed none of them), not the text it refused.
   */
  private async restoreInForce(id: string, fields: readonly string[]): Promise<void> {
    let record: RunRecord;
    try {
      record = await this.deps.api.getRun(id);
    } catch {
      return; // Gone or unreachable: the stream says so.
    }
    const training = record.config.training;
    if (this.run.id !== id || training === undefined) return;
    const inForce: Record<string, unknown> = {};
    for (const field of fields) {
      const value = trainingValue(training, field);
      if (value !== undefined) inForce[field] = value;
    }
    if (Object.keys(inForce).length > 0) this.deps.store.getState().actions.setTraining(inForce);
  }

  /** Whether a settings problem stops play (said beside the button, and here for the keyboard's Space). */
  private blocked(): boolean {
    const sentence = blockedSentence(playProblems(this.deps.store.getState()), false);
    if (sentence !== null) this.deps.store.getState().actions.setNotice(sentence);
    return sentence !== null;
  }

  dispose(): void {
    this.stream?.close();
    this.stream = null;
    this.deps.probes?.detach();
    if (this.patchTimer !== null) this.clearTimer(this.patchTimer);
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    this.update({ busy: true });
    try {
      await work();
    } catch (error) {
      this.update({ error: message(error), atRunLimit: isRunLimit(error) });
    } finally {
      this.update({ busy: false });
    }
  }

  private applyRecord(record: RunRecord): void {
    // The stream reports every change of status, and may already have reported a newer
    // one than this answer (a pause answered "running" while the worker had paused):
    // answers only count while the stream is not connected.
    if (this.run.connection === "open") return;
    this.update({ status: record.status, error: record.error, actions: record.actions });
  }

  /** Stop watching the run: no stream, no probes, no pending change, no curves. The run goes on. */
  private release(): void {
    this.stream?.close();
    this.stream = null;
    this.deps.probes?.detach();
    this.pending = {};
    if (this.patchTimer !== null) this.clearTimer(this.patchTimer);
    this.patchTimer = null;
    this.deps.metrics.clear();
  }

  private async discard(): Promise<void> {
    const run = this.run;
    this.release();
    if (run.id && controlsOf(run).stop) {
      try {
        await this.deps.api.control(run.id, "stop");
      } catch {
        // Already finished or gone: nothing to stop.
      }
    }
  }

  /** Create a run from the page's setup; null (with the errors shown) when the server refuses it. */
  private async create(): Promise<string | null> {
    await this.discard();
    const state = this.deps.store.getState();
    const setup = setupOf(state);
    state.actions.resetRun();
    this.update({ busy: true });
    try {
      const record = await this.deps.api.createRun({
        name: state.name || "playground",
        network: setup.network,
        dataset: setup.dataset,
        training: setup.training,
        device: "auto",
      });
      state.actions.setRunErrors([]);
      this.update({
        id: record.id,
        status: record.status,
        error: null,
        actions: record.actions,
        live: optimizerInfo(state.catalog.optimizers, setup.training.optimizer)?.live ?? [],
        step: record.step,
        key: runKey(setup),
      });
      this.listen(record.id);
      return record.id;
    } catch (error) {
      if (error instanceof ApiError && error.errors.length > 0) state.actions.setRunErrors(error.errors);
      this.update({ error: `cannot create the run: ${message(error)}` });
      return null;
    }
  }

  private listen(runId: string): void {
    const handlers: StreamHandlers = {
      onStatus: (frame) => {
        if (this.run.id !== runId) return;
        if (frame.status === "deleted") {
          this.update({ status: "stopped", error: "the run was deleted on the server", actions: [] });
          return;
        }
        const ended = TRAINING.includes(this.run.status) && !TRAINING.includes(frame.status);
        this.update({
          status: frame.status,
          error: frame.error,
          actions: frame.actions,
          step: Math.max(this.run.step, frame.step ?? 0),
        });
        if (ended) this.deps.probes?.ended();
      },
      onMetrics: (rows) => {
        if (this.run.id !== runId) return;
        this.deps.metrics.append(rows);
        const last = rows[rows.length - 1];
        const run = this.run;
        this.update({
          step: Math.max(run.step, last?.step ?? 0),
          stepsPerS: typeof last?.steps_per_s === "number" ? last.steps_per_s : run.stepsPerS,
          latest: latestOf(run.latest, rows),
        });
      },
      onConnection: (connection) => {
        if (this.run.id !== runId) return;
        this.update({ connection });
        if (connection === "open") this.deps.probes?.connected();
        else this.deps.probes?.disconnected();
      },
      onTensor: (frame) => {
        if (this.run.id === runId) this.deps.probes?.receive(frame);
      },
      onProblem: (text) => {
        if (this.run.id === runId) this.deps.store.getState().actions.setNotice(text);
      },
    };
    const stream = this.deps.openStream(runId, handlers);
    this.stream = stream;
    this.deps.probes?.attach((message) => (this.stream === stream && stream.send ? stream.send(message) : false));
    stream.start();
  }
}
