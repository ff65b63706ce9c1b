// Every member's page reads the class's state every 1.5 s while it is shown (the teacher's
// panel shows what is set; a student's page follows it). A student's page loads what the
// teacher pushed, once (a lesson as the lesson menu loads it, a network as an import does),
// and resets its run on a class-wide reset; what it applied is kept per tab in
// sessionStorage, so that a reload does not load the push again over the student's edits.
import { useEffect, useRef } from "react";
import { api, errorMessage } from "../api/client";
import { usePlaygroundContext } from "../context";
import { useLoadDemo } from "../hooks/useDemo";
import { parseSetup } from "../state/setup";
import { setupOf } from "../state/store";
import { classStateStore } from "./classState";
import { appliedKey, followStep, parseApplied, pushNotice, type Applied, type Push } from "./follow";
import { useClassCredentials } from "./useClass";

/** How often a page reads the class's state. */
export const STATE_POLL_MS = 1500;

function readApplied(classId: string): Applied | null {
  try {
    return parseApplied(sessionStorage.getItem(appliedKey(classId)));
  } catch {
    return null;
  }
}

function writeApplied(classId: string, applied: Applied): void {
  try {
    sessionStorage.setItem(appliedKey(classId), JSON.stringify(applied));
  } catch {
    // Storage off: this page still remembers it until it is reloaded.
  }
}

export function useFollowClass(): void {
  const creds = useClassCredentials();
  const { store, controller } = usePlaygroundContext();
  const loadDemo = useLoadDemo();
  // The poll's closure outlives renders: it reads the newest loader through this.
  const loadDemoRef = useRef(loadDemo);
  useEffect(() => {
    loadDemoRef.current = loadDemo;
  }, [loadDemo]);

  const classId = creds?.class_id ?? null;
  const role = creds?.role ?? null;
  const token = creds?.token ?? null;

  useEffect(() => {
    if (classId === null || role === null) {
      classStateStore.clear();
      return;
    }
    let live = true;
    let busy = false;
    // What this tab applied in this class (held here too, for when storage is off).
    let applied = readApplied(classId);

    /** Load a push; false when it cannot be yet (the lessons are not known yet). */
    const apply = (push: Push): boolean => {
      const state = store.getState();
      if (push.kind === "lesson") {
        const preset = state.catalog.presets.find((p) => p.name === push.name);
        if (!preset) {
          if (state.catalogState !== "ready") return false;
          classStateStore.setNotice(`Your teacher pushed the lesson “${push.name}”, which this server does not have.`);
          return true;
        }
        loadDemoRef.current(preset);
        classStateStore.setNotice(pushNotice(push, preset.title));
        return true;
      }
      try {
        const setup = parseSetup(push.spec, setupOf(state), state.catalog.optimizers);
        void controller.reset();
        state.actions.loadSetup(setup);
        classStateStore.setNotice(pushNotice(push, null));
      } catch (error) {
        classStateStore.setNotice(`Your teacher pushed a network this page cannot read: ${errorMessage(error)}`);
      }
      return true;
    };

    const poll = async () => {
      if (busy || document.visibilityState === "hidden") return;
      busy = true;
      try {
        const state = await api.classState(classId);
        if (!live) return;
        classStateStore.set(classId, state);
        if (role !== "student") return;
        const step = followStep(state, applied);
        if (step.push && !apply(step.push)) return; // tried again on the next poll, once the lessons are known
        // A push loads a fresh run of its own; a reset without one resets the page's run.
        if (step.reset && !step.push) void controller.reset();
        applied = step.applied;
        writeApplied(classId, applied);
      } catch {
        // A poll that fails (the server busy, the class ended) is tried again on the next tick.
      } finally {
        busy = false;
      }
    };

    void poll();
    const timer = setInterval(() => void poll(), STATE_POLL_MS);
    // Back on screen: read at once rather than at the next tick.
    const onVisible = () => {
      if (document.visibilityState === "visible") void poll();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      live = false;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [classId, role, token, store, controller]);
}
