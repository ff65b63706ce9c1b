// A student's page follows the class's state: what the teacher pushed (a lesson or a
// network) is loaded once, a class-wide reset resets the page's run once, and the locks say
// which parts of the page the student cannot change. Pure: the hook that polls the state
// (useClassState.ts) decides with these and keeps what it applied in sessionStorage, so that
// a reload does not load the push again over the student's edits.
import type { ClassLock, ClassState, Credentials, NetworkSpec } from "../api/types";

/** What this page has applied of the class's state (revisions; see ClassState). */
export interface Applied {
  /** The push revision last loaded (0: none). */
  pushed: number;
  /** The reset revision last acted on (0: none). */
  reset: number;
}

export type Push = { kind: "lesson"; name: string; revision: number } | { kind: "network"; spec: NetworkSpec; revision: number };

/** What to do on a state read: a push to load, a reset to make, and what is then applied. */
export interface FollowStep {
  push: Push | null;
  reset: boolean;
  applied: Applied;
}

/**
 * What a student's page does with a state it read. `applied` null: this page has applied
 * nothing yet in this class (a fresh join, a new tab): the current push is loaded (the
 * student starts from the lesson) but a past reset is not made again (the server already
 * stopped those runs; this page's run is newer).
 */
export function followStep(state: Pick<ClassState, "pushed" | "reset" | "lesson" | "network">, applied: Applied | null): FollowStep {
  const pushedBefore = applied?.pushed ?? 0;
  const resetBefore = applied?.reset ?? state.reset;
  let push: Push | null = null;
  if (state.pushed > pushedBefore) {
    // The state holds one of the two: the lesson, or the network (a teacher's own spec).
    if (state.lesson) push = { kind: "lesson", name: state.lesson, revision: state.pushed };
    else if (state.network) push = { kind: "network", spec: state.network as unknown as NetworkSpec, revision: state.pushed };
  }
  const reset = state.reset > resetBefore;
  return {
    push,
    reset,
    // Past what was read, even when nothing could be loaded: a push that cannot be read is not retried every poll.
    applied: { pushed: Math.max(pushedBefore, state.pushed), reset: Math.max(resetBefore, state.reset) },
  };
}

/** Where a tab keeps what it applied in a class (sessionStorage: per tab, kept across a reload). */
export function appliedKey(classId: string): string {
  return `layerlab.class.applied.${classId}`;
}

export function parseApplied(text: string | null): Applied | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return null;
    const { pushed, reset } = value as Record<string, unknown>;
    if (typeof pushed !== "number" || typeof reset !== "number" || !Number.isFinite(pushed) || !Number.isFinite(reset)) return null;
    return { pushed, reset };
  } catch {
    return null;
  }
}

/** The parts of this page that are locked: a student's, as the teacher set; none on the teacher's own page. */
export function locksOf(creds: Pick<Credentials, "role"> | null, state: Pick<ClassState, "locks"> | null): ReadonlySet<ClassLock> {
  if (creds === null || creds.role !== "student" || state === null) return NO_LOCKS;
  return new Set(state.locks);
}

/** The probe panels this page does not show (the teacher sees all of them). */
export function hiddenOf(creds: Pick<Credentials, "role"> | null, state: Pick<ClassState, "hidden"> | null): ReadonlySet<string> {
  if (creds === null || creds.role !== "student" || state === null) return NO_HIDDEN;
  return new Set(state.hidden);
}

const NO_LOCKS: ReadonlySet<ClassLock> = new Set();
const NO_HIDDEN: ReadonlySet<string> = new Set();

/** The student's notice for a push. */
export function pushNotice(push: Push, title: string | null): string {
  return push.kind === "lesson"
    ? `Your teacher pushed the lesson “${title ?? push.name}”.`
    : `Your teacher pushed a network${push.spec.name ? ` (“${push.spec.name}”)` : ""}.`;
}
