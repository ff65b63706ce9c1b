// The demo on the canvas (the menu's mark, the demo card): its preset and whether it was
// changed; and loading one.
import { useCallback } from "react";
import type { Preset } from "../api/types";
import { usePlayground, usePlaygroundContext } from "../context";
import { demoModified, demoSetup } from "../state/demo";
import { setupOf } from "../state/store";

export interface ShownDemo {
  preset: Preset;
  modified: boolean;
}

export function useDemo(): ShownDemo | null {
  const preset = usePlayground((s) => (s.demo ? s.catalog.presets.find((p) => p.name === s.demo?.name) : undefined));
  const modified = usePlayground((s) => s.demo !== null && demoModified(s.demo, setupOf(s)));
  return preset ? { preset, modified } : null;
}

/** Load a demo afresh: a new run, its network, data and settings; a notice if it cannot be read. */
export function useLoadDemo(): (preset: Preset) => void {
  const { store, controller } = usePlaygroundContext();
  return useCallback(
    (preset) => {
      const { actions } = store.getState();
      try {
        const setup = demoSetup(preset, setupOf(store.getState()));
        void controller.reset();
        // A demo's positions are the server's (one row): the page lays it out for its canvas.
        actions.loadSetup(setup, { relayout: true });
        actions.markDemo(preset.name);
      } catch (error) {
        actions.setNotice(`Cannot load the demo: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    [store, controller],
  );
}
