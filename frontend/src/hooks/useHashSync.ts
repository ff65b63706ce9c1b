// Keep the URL hash equal to the setup (network, dataset, training), and follow
// links pasted into the address bar.
import { useEffect } from "react";
import { decodeSetupHash, encodeSetupHash } from "../state/hash";
import { setupOf, type PlaygroundStore } from "../state/store";
import type { RunController } from "../run/controller";
import { errorMessage } from "../api/client";

export function useHashSync(store: PlaygroundStore, controller: RunController, delayMs = 300): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let written = "";

    const write = (): void => {
      const hash = encodeSetupHash(setupOf(store.getState()));
      if (hash === window.location.hash) return;
      written = hash;
      window.history.replaceState(window.history.state, "", hash);
    };

    const unsubscribe = store.subscribe((state, previous) => {
      if (state.revision === previous.revision) return;
      clearTimeout(timer);
      timer = setTimeout(write, delayMs);
    });

    const onHashChange = (): void => {
      if (window.location.hash === written) return;
      try {
        const setup = decodeSetupHash(window.location.hash, setupOf(store.getState()));
        if (setup === null) return;
        void controller.reset();
        store.getState().actions.loadSetup(setup);
      } catch (error) {
        store.getState().actions.setNotice(errorMessage(error));
      }
    };
    window.addEventListener("hashchange", onHashChange);
    write();
    return () => {
      unsubscribe();
      clearTimeout(timer);
      window.removeEventListener("hashchange", onHashChange);
    };
  }, [store, controller, delayMs]);
}
