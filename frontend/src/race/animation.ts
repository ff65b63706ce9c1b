// The race's clock: which step is shown, how fast it moves, what each path shows at a step.
import type { RacePath } from "../api/types";

/** The whole race plays in about this long, however many steps it has... */
const RACE_SECONDS = 10;
/** ...but never slower than this, so that a short race still visibly moves. */
const MIN_STEPS_PER_S = 20;

export function stepsPerSecond(steps: number): number {
  return Math.max(MIN_STEPS_PER_S, steps / RACE_SECONDS);
}

/** The (fractional) step after `elapsedMs` of playing, stopped at the last step. */
export function advance(step: number, elapsedMs: number, steps: number): number {
  return Math.min(steps, step + (Math.max(0, elapsedMs) * stepsPerSecond(steps)) / 1000);
}

/**
 * The step to show once a new race arrives: the same index when only the racers' settings or
 * the number of steps changed (the student sees the change's effect from there on), the start
 * when the function or the start point changed (the old paths are of another race).
 */
export function continueAt(step: number, steps: number, sameCourse: boolean): number {
  return sameCourse ? Math.min(Math.max(0, step), steps) : 0;
}

/** How many of a path's points are drawn at a step: the start at step 0, one more each step. */
export function shownPoints(path: RacePath, step: number): number {
  return Math.min(path.path.length, Math.floor(step) + 1);
}

/** Whether a racer that diverged has reached the step it diverged at (its mark is shown). */
export function divergedBy(path: RacePath, step: number): boolean {
  return path.stopped_at !== null && path.stopped_at !== undefined && Math.floor(step) >= path.stopped_at;
}
