// The class's state as this page last read it (GET /api/classes/{id}/state), shared by the
// parts of the page that follow it: the palette, canvas, training and data panels (locks),
// the probe panels (hidden), the teacher's panel (what is set now), and a notice for the
// student when the teacher pushed something. A small external store, like the credentials:
// it lives outside React so that the poller and the teacher's writes both update it.
import { useMemo, useSyncExternalStore } from "react";
import type { ClassLock, ClassState } from "../api/types";
import { classCredentials } from "./credentials";
import { hiddenOf, locksOf } from "./follow";
import { useClassCredentials } from "./useClass";

interface Held {
  classId: string;
  state: ClassState;
}

type Listener = () => void;

class ClassStateStore {
  private held: Held | null = null;
  private noticeText: string | null = null;
  private readonly listeners = new Set<Listener>();

  /** The state of class `classId`, or null before it is read (or for another class). */
  get(classId: string | null): ClassState | null {
    return classId !== null && this.held?.classId === classId ? this.held.state : null;
  }

  /** A state read or written; an older revision than the one held is ignored (polls and writes cross). */
  set(classId: string, state: ClassState): void {
    const held = this.held;
    if (held && held.classId === classId && held.state.revision > state.revision) return;
    // The same state read again keeps its object, so that what is derived from it holds between polls.
    if (held && held.classId === classId && JSON.stringify(held.state) === JSON.stringify(state)) return;
    this.held = { classId, state };
    this.emit();
  }

  clear(): void {
    if (this.held === null && this.noticeText === null) return;
    this.held = null;
    this.noticeText = null;
    this.emit();
  }

  notice(): string | null {
    return this.noticeText;
  }

  setNotice(text: string | null): void {
    if (this.noticeText === text) return;
    this.noticeText = text;
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export const classStateStore = new ClassStateStore();

const subscribe = (onChange: () => void): (() => void) => classStateStore.subscribe(onChange);

/** The state of the class this page is in, as last read; null outside a class or before the first read. */
export function useClassState(): ClassState | null {
  const creds = useClassCredentials();
  const classId = creds?.class_id ?? null;
  return useSyncExternalStore(subscribe, () => classStateStore.get(classId));
}

/** The notice of the teacher's latest push, until it is dismissed. */
export function useClassNotice(): string | null {
  return useSyncExternalStore(subscribe, () => classStateStore.notice());
}

/** The parts of this page the teacher locked (none outside a class and on the teacher's page). */
export function useLocks(): ReadonlySet<ClassLock> {
  const creds = useClassCredentials();
  const state = useClassState();
  const role = creds?.role ?? null;
  return useMemo(() => locksOf(role === null ? null : { role }, state), [role, state]);
}

/** Whether one part is locked. */
export function useLocked(part: ClassLock): boolean {
  return useLocks().has(part);
}

/** The probe panels this page hides. */
export function useHiddenPanels(): ReadonlySet<string> {
  const creds = useClassCredentials();
  const state = useClassState();
  const role = creds?.role ?? null;
  return useMemo(() => hiddenOf(role === null ? null : { role }, state), [role, state]);
}

/** Whether a part of this page is locked now, outside React (the keyboard shortcuts ask at the key press). */
export function lockedNow(part: ClassLock): boolean {
  const creds = classCredentials().current();
  return locksOf(creds, classStateStore.get(creds?.class_id ?? null)).has(part);
}
