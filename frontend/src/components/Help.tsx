// The help: a short guide (build, train, read the panels) beside the keyboard shortcuts.
// Esc closes it, and the focus goes back to where it was (the Help button, or the page).
import { useEffect, useRef } from "react";
import { SHORTCUTS } from "../hooks/useKeyboard";
import "./Help.css";

interface GuideSection {
  title: string;
  steps: readonly string[];
}

const GUIDE: readonly GuideSection[] = [
  {
    title: "Build",
    steps: [
      "Drag layers from the palette onto the canvas, or load a demo from the menu.",
      "Connect them: drag from a layer's right dot to the next one's left dot. Each shows its output shape; a problem shows in red, in words.",
      "Click a layer to set its params on the right. Delete removes it; Ctrl+Z undoes.",
    ],
  },
  {
    title: "Train",
    steps: [
      "Pick the dataset (Data) and the optimizer and learning rate (Training).",
      "▶ Play trains, ❚❚ Pause holds, ⇥ Step does one step, ↺ Reset starts from fresh weights. Speed caps the steps per second, to watch it slowly.",
    ],
  },
  {
    title: "Read the panels",
    steps: [
      "Loss and accuracy: train solid, test dashed; test falling behind train is overfitting.",
      "Decision boundary (2-D data): the network's answer over the plane, with the points; each hidden unit's map is on its node.",
      "Click a layer for its activations, feature maps (what each filter finds in a sample), effective receptive field (the input pixels that move it), weights and gradients.",
      "Confusion matrix (images): rows are true classes, columns predicted ones; off the diagonal are mistakes.",
    ],
  },
];

export function Help({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    // Read before the dialog takes the focus, to hand it back on close.
    const before = document.activeElement;
    closeRef.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      if (before instanceof HTMLElement) before.focus();
    };
  }, [onClose]);

  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-label="Help" onClick={onClose}>
      <div className="dialog help" data-testid="help" onClick={(e) => e.stopPropagation()}>
        <section className="help-guide" data-testid="help-guide" aria-label="How to use LayerLab">
          <h2>How to use LayerLab</h2>
          {GUIDE.map((section) => (
            <div key={section.title} className="help-section">
              <h3>{section.title}</h3>
              <ul>
                {section.steps.map((step) => (
                  <li key={step}>{step}</li>
                ))}
              </ul>
            </div>
          ))}
        </section>
        <section className="help-keys" aria-label="Keyboard shortcuts">
          <h2>Keyboard shortcuts</h2>
          <table>
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys}>
                  <td>
                    <kbd>{s.keys}</kbd>
                  </td>
                  <td>{s.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Palette items also add with Enter or a double click.</p>
          <button type="button" ref={closeRef} onClick={onClose} data-testid="help-close">
            Close
          </button>
        </section>
      </div>
    </div>
  );
}
