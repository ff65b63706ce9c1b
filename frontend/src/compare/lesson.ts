// A comparison lesson (a preset with several `runs` that differ in one field): the first
// run is the page's own (on the canvas), the others are created beside it at the same
// pace; all start together and are compared (the own run as the base), and the run-wide
// view the lesson's panels name (loss landscapes, decision boundaries) shows for each run
// side by side.
import { errorMessage, type Api } from "../api/client";
import type { Preset } from "../api/types";
import type { Comparison } from "../run/comparison";
import type { RunController } from "../run/controller";
import { lessonViews } from "../lessons/lessons";
import { parseSetup } from "../state/setup";
import { setupOf, type PlaygroundStore } from "../state/store";

export interface BesideDeps {
  store: PlaygroundStore;
  controller: Pick<RunController, "play">;
  comparison: Pick<Comparison, "add">;
  api: Pick<Api, "createRun" | "control">;
}

/** The probe topics a lesson opens. */
export function panelsOf(preset: Preset): readonly string[] {
  return preset.lesson?.panels ?? [];
}

/** The run-wide view a comparison lesson shows for each of its runs side by side (its first run-wide panel), or null. */
export function pairViewOf(preset: Preset): string | null {
  return othersOf(preset).length === 0 ? null : lessonViews(panelsOf(preset), []).run;
}

/** The runs a lesson trains beside the page's own (its `runs` after the first). */
export function othersOf(preset: Preset): readonly Record<string, unknown>[] {
  return (preset.runs ?? []).slice(1);
}

/** A run body's name, if it has one. */
export function runName(body: unknown, fallback: string): string {
  const name = typeof body === "object" && body !== null ? (body as { name?: unknown }).name : undefined;
  return typeof name === "string" && name !== "" ? name : fallback;
}

/**
 * With the lesson's first run on the canvas: train it (the own run), create and start
 * the others at the same pace, compare them all, and show the run-wide view it names for each, side by side.
 */
export async function trainTogether(deps: BesideDeps, preset: Preset): Promise<void> {
  const { store } = deps;
  const others = othersOf(preset);
  await deps.controller.play();
  const state = store.getState();
  const own = state.run.id;
  // Not created or not started: the run banner says why.
  if (own === null || state.run.error !== null || others.length === 0) return;
  const ids = [own];
  try {
    const records = [];
    for (const [i, body] of others.entries()) {
      const name = runName(body, `${preset.name} ${i + 2}`);
      const setup = parseSetup(body, setupOf(state), state.catalog.optimizers);
      records.push(
        await deps.api.createRun({
          name,
          // Named after its run, so that the legend says which network is which.
          network: { ...setup.network, name },
          dataset: setup.dataset,
          training: { ...setup.training, max_steps_per_s: state.training.max_steps_per_s },
          device: "auto",
        }),
      );
    }
    // Compared once all exist, all in one go: a "stop comparing" pressed while they start
    // clears them all, not the first few. The own run, the base, mirrors the playground's run.
    deps.comparison.add({ id: own, name: runName(preset.run, preset.name) }, true);
    for (const record of records) {
      ids.push(record.id);
      deps.comparison.add({ id: record.id, name: record.name, status: record.status, step: record.step });
    }
    for (const record of records) await deps.api.control(record.id, "start");
  } catch (error) {
    state.actions.setNotice(`Cannot train all of “${preset.title}”: ${errorMessage(error)}`);
    return;
  }
  const view = pairViewOf(preset);
  if (view !== null) store.getState().actions.showPair({ view, runs: ids });
}
