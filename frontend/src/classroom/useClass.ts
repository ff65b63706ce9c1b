// The page's class credentials as React state: components re-render when the page joins,
// starts or leaves a class.
import { useCallback, useSyncExternalStore } from "react";
import type { Credentials } from "../api/types";
import { usePlaygroundContext } from "../context";
import { classCredentials, taughtClasses } from "./credentials";

const subscribe = (onChange: () => void): (() => void) => classCredentials().subscribe(onChange);
const snapshot = (): Credentials | null => classCredentials().current();

export function useClassCredentials(): Credentials | null {
  return useSyncExternalStore(subscribe, snapshot);
}

const subscribeTaught = (onChange: () => void): (() => void) => taughtClasses().subscribe(onChange);
const taughtSnapshot = (): readonly Credentials[] => taughtClasses().list();

/** The classes this browser teaches, newest first (a teacher comes back to one from the toolbar). */
export function useTaughtClasses(): readonly Credentials[] {
  return useSyncExternalStore(subscribeTaught, taughtSnapshot);
}

/**
 * Switch the page into a class (or, with null, out of it). The page's run was made with
 * the credentials it had: it is stopped first, while its token still opens it, so that
 * it trains on unseen by no one.
 */
export function useSwitchClass(): (next: Credentials | null) => Promise<void> {
  const { controller, comparison } = usePlaygroundContext();
  return useCallback(
    async (next: Credentials | null) => {
      comparison.clear();
      await controller.reset();
      classCredentials().set(next);
    },
    [controller, comparison],
  );
}
