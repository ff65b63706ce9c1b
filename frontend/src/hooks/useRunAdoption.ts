// The page's run survives a reload: the URL names it (run/adopt.ts), and once the
// registries are known the page watches it again rather than leave it training unseen
// while play starts a second one. A run the server no longer has is quietly forgotten.
import { useEffect, useRef } from "react";
import { recallKey, rememberKey, runIdOf, sessionStorageOrNull, withRunId } from "../run/adopt";
import type { RunController } from "../run/controller";
import type { PlaygroundStore } from "../state/store";

function writeRunId(id: string | null): void {
  const href = withRunId(window.location.href, id);
  if (href !== window.location.href) window.history.replaceState(window.history.state, "", href);
}

export function useRunAdoption(store: PlaygroundStore, controller: RunController): void {
  // Once per page load, whatever React's development remounts do.
  const asked = useRef(false);

  useEffect(() => {
    const session = sessionStorageOrNull();

    // From now on the URL and this tab's storage follow the page's run.
    const follow = store.subscribe((state, previous) => {
      const { id, key } = state.run;
      if (id === previous.run.id && key === previous.run.key) return;
      writeRunId(id);
      rememberKey(session, id, key);
    });

    const adopt = (): void => {
      if (asked.current || store.getState().catalogState !== "ready") return;
      asked.current = true;
      const id = runIdOf(window.location.href);
      if (id === null) return;
      void controller.adopt(id, recallKey(session, id)).then((found) => {
        if (found) return;
        // Gone (deleted, another data directory): start fresh, and stop naming it.
        if (store.getState().run.id === null) writeRunId(null);
      });
    };
    const waiting = store.subscribe(adopt);
    adopt();
    return () => {
      follow();
      waiting();
    };
  }, [store, controller]);
}
