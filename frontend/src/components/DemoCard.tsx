// The loaded demo's title and lesson, above the canvas for as long as the demo is on it,
// so that a class can read what it shows; once changed, it says so and offers a fresh start.
import { useDemo, useLoadDemo } from "../hooks/useDemo";
import "./DemoCard.css";

export function DemoCard() {
  const shown = useDemo();
  const loadDemo = useLoadDemo();
  if (!shown) return null;
  const { preset, modified } = shown;
  return (
    <section
      className={modified ? "demo-card modified" : "demo-card"}
      data-testid="demo-card"
      data-demo={preset.name}
      data-modified={modified}
      aria-label="The demo on the canvas"
    >
      <span className="demo-tag">Demo</span>
      <strong className="demo-title" data-testid="demo-title">
        {preset.title}
      </strong>
      <span className="demo-doc" data-testid="demo-doc">
        {preset.doc}
      </span>
      {modified && (
        <span className="demo-changed">
          changed since loaded ·{" "}
          <button type="button" className="link" onClick={() => loadDemo(preset)} data-testid="demo-restart">
            start over
          </button>
        </span>
      )}
    </section>
  );
}
