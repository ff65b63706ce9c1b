// The top bar: the lessons (in the lecture's order), demos (by name), undo/redo, clear, export/import, presentation mode,
// the class (start one, or the one the page is in), help.
import { useRef, type ChangeEvent } from "react";
import { ClassBadge } from "../classroom/ClassBadge";
import { useLocked } from "../classroom/classState";
import { StartClass } from "../classroom/StartClass";
import { useActions, usePlayground, usePlaygroundContext } from "../context";
import { saveFile } from "../download";
import { useDemo, useLoadDemo } from "../hooks/useDemo";
import { lessonGroups, lessonLabel } from "../lessons/lessons";
import { parseSetup } from "../state/setup";
import { setupOf, specOf } from "../state/store";
import { errorMessage } from "../api/client";

/** Where the page remembers presentation mode between visits. */
export const PRESENTATION_KEY = "layerlab.presentation";

function download(name: string, text: string): void {
  saveFile(name, new Blob([text], { type: "application/json" }));
}

export function Toolbar({ onHelp, onRace }: { onHelp: () => void; onRace: () => void }) {
  const { store, controller } = usePlaygroundContext();
  const presets = usePlayground((s) => s.catalog.presets);
  const canUndo = usePlayground((s) => s.past.length > 0);
  const canRedo = usePlayground((s) => s.future.length > 0);
  const presentation = usePlayground((s) => s.presentation);
  const shown = useDemo();
  const demo = shown?.preset.name ?? "";
  const actions = useActions();
  const loadDemo = useLoadDemo();
  const fileRef = useRef<HTMLInputElement>(null);
  // The teacher locked the network (a class's "palette" lock): nothing here may replace or edit it.
  const locked = useLocked("palette");
  const lockedTitle = "The network is locked by your teacher";

  const loadPreset = (event: ChangeEvent<HTMLSelectElement>) => {
    const preset = presets.find((p) => p.name === event.target.value);
    if (preset) loadDemo(preset);
  };

  const exportSpec = () => {
    const spec = specOf(store.getState());
    download(`${spec.name || "network"}.json`, `${JSON.stringify(spec, null, 2)}\n`);
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    try {
      const setup = parseSetup(JSON.parse(await file.text()), setupOf(store.getState()));
      void controller.reset();
      actions.loadSetup(setup);
      actions.setNotice(`Imported ${file.name}.`);
    } catch (error) {
      actions.setNotice(`Cannot import ${file.name}: ${errorMessage(error)}`);
    }
  };

  const togglePresentation = () => {
    actions.setPresentation(!presentation);
    try {
      localStorage.setItem(PRESENTATION_KEY, presentation ? "0" : "1");
    } catch {
      // Storage may be off: the mode still applies to this page.
    }
  };

  return (
    <header className="toolbar">
      <h1>
        <img src="/favicon.svg" alt="" width={22} height={22} /> LayerLab
      </h1>
      <label className="preset lesson">
        <span className="sr-only">Load a lesson</span>
        {/* The lecture's order, grouped by its parts; the loaded lesson shown, as in the demo menu. */}
        <select value={demo} onChange={loadPreset} data-testid="lesson-select" disabled={presets.length === 0 || locked} data-locked={locked || undefined} title={locked ? lockedTitle : undefined}>
          <option value="" disabled={demo !== ""}>
            Lessons…
          </option>
          {lessonGroups(presets).map(({ group, lessons }) => (
            <optgroup key={group} label={group}>
              {lessons.map((p) => (
                <option key={p.name} value={p.name} title={p.doc}>
                  {lessonLabel(p)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label className="preset">
        <span className="sr-only">Load a demo</span>
        {/* Shows the demo on the canvas, marked; the placeholder once another network is loaded. */}
        <select value={demo} onChange={loadPreset} data-testid="preset-select" disabled={presets.length === 0 || locked} data-locked={locked || undefined} title={locked ? lockedTitle : undefined}>
          <option value="" disabled={demo !== ""}>
            Load a demo…
          </option>
          {presets.map((p) => (
            <option key={p.name} value={p.name} title={p.doc} data-loaded={p.name === demo || undefined}>
              {p.name === demo ? `✓ ${p.title}${shown?.modified ? " (changed)" : ""}` : p.title}
            </option>
          ))}
        </select>
      </label>
      <div className="tools">
        <button type="button" onClick={actions.undo} disabled={!canUndo || locked} data-testid="btn-undo" title="Undo (Ctrl+Z)">
          ↶ Undo
        </button>
        <button type="button" onClick={actions.redo} disabled={!canRedo || locked} data-testid="btn-redo" title="Redo (Ctrl+Shift+Z)">
          ↷ Redo
        </button>
        <button type="button" onClick={actions.clearNetwork} disabled={locked} data-locked={locked || undefined} data-testid="btn-clear" title="Keep only the input and the output">
          Clear
        </button>
        <button type="button" onClick={exportSpec} data-testid="btn-export" title="Download the network spec (JSON)">
          Export
        </button>
        <button type="button" onClick={() => fileRef.current?.click()} disabled={locked} data-locked={locked || undefined} data-testid="btn-import" title="Load a network spec or run config (JSON)">
          Import
        </button>
        <input ref={fileRef} type="file" accept="application/json,.json" hidden onChange={(e) => void importFile(e)} data-testid="import-file" />
        <button
          type="button"
          onClick={togglePresentation}
          aria-pressed={presentation}
          data-testid="btn-large-font"
          title="Presentation mode: larger canvas, charts and panels, for a projector"
        >
          A+
        </button>
        <button type="button" onClick={onRace} data-testid="btn-race" title="Six optimizers descend one 2-D function, side by side">
          Optimizer race
        </button>
        <StartClass />
        <ClassBadge />
        <button type="button" onClick={onHelp} data-testid="btn-help" title="How to use LayerLab, and the keyboard shortcuts (?)">
          ? Help
        </button>
      </div>
    </header>
  );
}
