// Keyboard shortcuts (listed in the help dialog): ignored while typing in a field.
import { useEffect } from "react";
import { lockedNow } from "../classroom/classState";
import type { RunController } from "../run/controller";
import type { PlaygroundStore } from "../state/store";

export interface Shortcut {
  keys: string;
  what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: "Space", what: "play / pause" },
  { keys: ".", what: "one training step" },
  { keys: "Shift+R", what: "reset the run" },
  { keys: "Ctrl+Z", what: "undo" },
  { keys: "Ctrl+Shift+Z, Ctrl+Y", what: "redo" },
  { keys: "Delete, Backspace", what: "delete the selected nodes and edges" },
  { keys: "?", what: "show or hide this help" },
  { keys: "Esc", what: "close this help" },
];

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

export function useKeyboard(store: PlaygroundStore, controller: RunController, toggleHelp: () => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || typing(event.target)) return;
      const actions = store.getState().actions;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key;
      let handled = true;
      // The teacher locked the network: no undo back past what they pushed, no deletes.
      const locked = lockedNow("palette");
      if (mod && !event.shiftKey && key.toLowerCase() === "z") {
        if (!locked) actions.undo();
      } else if (mod && ((event.shiftKey && key.toLowerCase() === "z") || key.toLowerCase() === "y")) {
        if (!locked) actions.redo();
      }
      else if (mod || event.altKey) handled = false;
      else if (key === " ") {
        // A focused button would also "click" on Space's keyup: take the focus away first.
        if (event.target instanceof HTMLButtonElement) event.target.blur();
        void controller.togglePlay();
      }
      else if (key === ".") void controller.step();
      else if (key === "R" && event.shiftKey) void controller.reset();
      else if (key === "Delete" || key === "Backspace") {
        if (!locked) actions.deleteSelection();
      }
      else if (key === "?") toggleHelp();
      else handled = false;
      if (handled) event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store, controller, toggleHelp]);
}
