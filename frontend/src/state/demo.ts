// The demos (GET /api/presets): the setup each loads, which one the canvas shows, and
// whether it was changed since it was loaded (what the demo card and the menu say).
import type { Preset } from "../api/types";
import { parseSetup, runKey, type Setup } from "./setup";

/** The demo last loaded, with the run key of its setup as loaded. */
export interface LoadedDemo {
  name: string;
  key: string;
}

/**
 * The setup a demo loads: its (first) run body read over the current setup, the network
 * named after the demo, or after that run when the demo compares several.
 */
export function demoSetup(preset: Preset, current: Setup): Setup {
  const setup = parseSetup(preset.run, current);
  const runName = (preset.run as { name?: unknown }).name;
  const name = preset.runs && typeof runName === "string" ? runName : preset.name;
  return { ...setup, network: { ...setup.network, name: setup.network.name ?? name } };
}

/**
 * Whether the setup is no longer the demo as loaded. Moving nodes and live settings (the
 * learning rate) are part of showing a demo; another network, dataset, optimizer or seed is not.
 */
export function demoModified(demo: LoadedDemo, setup: Setup): boolean {
  return runKey(setup) !== demo.key;
}

/** The demo a setup is, unchanged (a shared link to one): the first preset with its run key. */
export function demoOf(presets: readonly Preset[], setup: Setup): LoadedDemo | null {
  const key = runKey(setup);
  for (const preset of presets) {
    try {
      if (runKey(demoSetup(preset, setup)) === key) return { name: preset.name, key };
    } catch {
      // A preset the page cannot read matches nothing (loading it says why).
    }
  }
  return null;
}
