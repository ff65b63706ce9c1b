// The demo on the canvas (the menu's mark, the demo card): its preset and whether it was
// changed; and loading one (with the run it trains beside it, if it names one).
import { useCallback } from "react";
import { api, errorMessage } from "../api/client";
import type { Preset } from "../api/types";
import { othersOf, panelsOf, trainTogether } from "../compare/lesson";
import { usePlayground, usePlaygroundContext } from "../context";
import { lessonViews } from "../lessons/lessons";
import { demoModified, demoSetup } from "../state/demo";
import type { Setup } from "../state/setup";
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

/**
 * Load a demo afresh: a new run, its network, data and settings, the views its lesson
 * names (its node selected for a node view); a notice if it cannot be read. A comparison lesson trains all its runs at once.
 */
export function useLoadDemo(): (preset: Preset) => void {
  const { store, controller, comparison } = usePlaygroundContext();
  return useCallback(
    (preset) => {
      const { actions } = store.getState();
      let setup: Setup;
      try {
        setup = demoSetup(preset, setupOf(store.getState()));
      } catch (error) {
        actions.setNotice(`Cannot load the demo: ${errorMessage(error)}`);
        return;
      }
      const load = () => {
        // A demo's positions are the server's (one row): the page lays it out for its canvas.
        actions.loadSetup(setup, { relayout: true });
        actions.markDemo(preset.name);
        // The first run-wide panel it names; a node panel opens with its node selected (NodePanels shows the named view).
        const views = lessonViews(panelsOf(preset), setup.network.nodes.map((n) => n.id));
        actions.showRunView(views.run);
        if (views.node) actions.select(views.node.id);
        actions.showPair(null);
      };
      if (othersOf(preset).length === 0) {
        void controller.reset();
        load();
        return;
      }
      void (async () => {
        // The runs compared before are not this lesson's; the old run is stopped before the new ones start.
        comparison.clear();
        await controller.reset();
        load();
        await trainTogether({ store, controller, comparison, api }, preset);
      })();
    },
    [store, controller, comparison],
  );
}
