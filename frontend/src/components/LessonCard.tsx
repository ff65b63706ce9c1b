// The loaded lesson above the canvas for as long as its demo is on it, so that a class can
// read what it shows: its concept and title, the demo's doc, and the card (what to do, what
// to watch, the takeaway, the question for the class); once changed, it says so and offers a
// fresh start; the next lesson is one click on. A comparison lesson says how its runs are
// doing and where to look. It folds to its first line (no doc, no parts), to leave the canvas more room (at
// first where room is short).
import { useState } from "react";
import { usePlayground } from "../context";
import { useDemo, useLoadDemo } from "../hooks/useDemo";
import { nextLesson } from "../lessons/lessons";
import "./LessonCard.css";
import { DemoBeside } from "./DemoBeside";

/** The card's four parts: its field, its label, its test id. */
const PARTS = [
  ["do", "Do", "lesson-do"],
  ["watch", "Watch", "lesson-watch"],
  ["takeaway", "Takeaway", "lesson-takeaway"],
  ["question", "Ask the class", "lesson-question"],
] as const;

export function LessonCard() {
  const shown = useDemo();
  const presets = usePlayground((s) => s.catalog.presets);
  const loadDemo = useLoadDemo();
  // Folded at first in presentation mode, where the parts at the larger text would leave the
  // canvas too little of 720 px, and while the pair view fills the canvas's room; the
  // presenter unfolds them (or folds them) at will.
  const short = usePlayground((s) => s.presentation || s.pair !== null);
  const [choice, setChoice] = useState<"open" | "folded" | null>(null);
  const folded = choice === null ? short : choice === "folded";
  if (!shown) return null;
  const { preset, modified } = shown;
  const { lesson } = preset;
  const next = nextLesson(presets, preset.name);
  return (
    <section
      className={["lesson-card", modified ? "modified" : "", folded ? "folded" : ""].filter(Boolean).join(" ")}
      data-testid="lesson-card"
      data-lesson={preset.name}
      aria-label="The lesson on the canvas"
    >
      <div className="demo-card" data-testid="demo-card" data-demo={preset.name} data-modified={modified}>
        <span className="demo-tag">Lesson {lesson.order}</span>
        <span className="lesson-concept" data-testid="lesson-concept">
          {lesson.concept}
        </span>
        <strong className="demo-title" data-testid="demo-title">
          {preset.title}
        </strong>
        {!folded && (
          <span className="demo-doc" data-testid="demo-doc">
            {preset.doc}
          </span>
        )}
        {(preset.runs?.length ?? 0) > 1 && <DemoBeside preset={preset} />}
        {modified && (
          <span className="demo-changed">
            changed since loaded ·{" "}
            <button type="button" className="link" onClick={() => loadDemo(preset)} data-testid="demo-restart">
              start over
            </button>
          </span>
        )}
        <span className="lesson-actions">
          <button
            type="button"
            className="link"
            onClick={() => setChoice(folded ? "open" : "folded")}
            aria-expanded={!folded}
            data-testid="lesson-card-toggle"
            title={folded ? "Show what to do, watch, take away and ask" : "Fold the card to one line: more room for the canvas"}
          >
            {folded ? "▸ card" : "▾ fold"}
          </button>
          <button
            type="button"
            onClick={() => next && loadDemo(next)}
            disabled={next === null}
            data-testid="lesson-next"
            title={next ? `Load the next lesson: ${next.lesson.concept}, ${next.title}` : "The last lesson"}
          >
            Next lesson →
          </button>
        </span>
      </div>
      {!folded && (
        <dl className="lesson-parts">
          {PARTS.map(([field, label, testId]) => (
            <div key={field} className={`lesson-part lesson-${field}`}>
              <dt>{label}</dt>
              <dd data-testid={testId}>{lesson.card[field]}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
