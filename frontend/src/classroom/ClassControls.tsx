// The teacher's controls over every student's page at once: push a lesson or the teacher's
// network, lock parts of the page, hide panels, share the grid, and start, pause or reset
// every student's run (a report says whom each reached, and why not the others).
import { useState } from "react";
import { api, type ClassStateBody, errorMessage } from "../api/client";
import type { ClassAction, ClassLock, ClassState, ControlReport } from "../api/types";
import { usePlayground, usePlaygroundContext } from "../context";
import { lessonGroups, lessonLabel } from "../lessons/lessons";
import { specOf } from "../state/store";
import { classStateStore } from "./classState";

const LOCKS: { part: ClassLock; label: string; title: string }[] = [
  { part: "palette", label: "network", title: "Students cannot add, move, connect or delete layers" },
  { part: "training", label: "training", title: "Students cannot change the optimizer or its settings" },
  { part: "dataset", label: "dataset", title: "Students cannot pick another dataset or change its params" },
];


/** Two reports as one: what either reached, and what neither did (with the last reason). */
function merge(a: ControlReport, b: ControlReport): ControlReport {
  const applied = [...new Set([...a.applied, ...b.applied])];
  const skipped: Record<string, string> = {};
  for (const [id, why] of Object.entries({ ...a.skipped, ...b.skipped })) if (!applied.includes(id)) skipped[id] = why;
  return { applied, skipped };
}

function reportText(action: string, report: ControlReport, names: ReadonlyMap<string, string>): string {
  const reached = report.applied.length;
  const skipped = Object.entries(report.skipped);
  const who = (id: string) => names.get(id) ?? id;
  const head = `${action}: ${reached} ${reached === 1 ? "run" : "runs"}`;
  if (skipped.length === 0) return head;
  const shown = skipped.slice(0, 3).map(([id, why]) => `${who(id)} (${why})`);
  return `${head}; not ${shown.join(", ")}${skipped.length > 3 ? ` and ${skipped.length - 3} more` : ""}`;
}

interface ControlsProps {
  classId: string;
  state: ClassState | null;
  disabled: boolean;
  update: (changes: Partial<ClassStateBody>) => Promise<ClassState | null>;
  onProblem: (problem: string | null) => void;
  onReport: (report: string) => void;
  names: ReadonlyMap<string, string>;
}

/** Push, lock, hide and control: what every student's page follows. */
export function ClassControls({ classId, state, disabled, update, onProblem, onReport, names }: ControlsProps) {
  const { store } = usePlaygroundContext();
  const presets = usePlayground((s) => s.catalog.presets);
  const probes = usePlayground((s) => s.catalog.probes);
  const demo = usePlayground((s) => s.demo?.name ?? null);
  const [lesson, setLesson] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const chosen = lesson || demo || presets[0]?.name || "";
  const off = disabled || state === null || busy;
  // Probe names once each (a name may be both a node's and a run's view), in the registry's order.
  const panels = [...new Set(probes.map((p) => p.name))];

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    try {
      await what();
      onProblem(null);
    } catch (error) {
      onProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const push = (body: { lesson: string } | { network: ReturnType<typeof specOf> }) =>
    run(async () => {
      classStateStore.set(classId, await api.pushToClass(classId, body));
    });

  const control = (action: ClassAction, label: string) =>
    run(async () => {
      let report = await api.controlClass(classId, action);
      // "Start" means "go": runs paused (by Pause all or by their students) are resumed too.
      if (action === "start" && Object.keys(report.skipped).length > 0) report = merge(report, await api.controlClass(classId, "resume"));
      onReport(reportText(label, report, names));
    });

  const toggleLock = (part: ClassLock, on: boolean) => {
    if (!state) return;
    const locks = on ? [...new Set([...state.locks, part])] : state.locks.filter((l) => l !== part);
    void update({ locks });
  };
  const toggleHidden = (panel: string, on: boolean) => {
    if (!state) return;
    const hidden = on ? [...new Set([...state.hidden, panel])] : state.hidden.filter((h) => h !== panel);
    void update({ hidden });
  };

  return (
    <div className="class-controls">
      <div className="class-row" aria-label="Push to every student">
        <span className="class-row-label">Push</span>
        <select value={chosen} onChange={(e) => setLesson(e.target.value)} data-testid="class-push-lesson" disabled={off || presets.length === 0}>
          {lessonGroups(presets).map(({ group, lessons }) => (
            <optgroup key={group} label={group}>
              {lessons.map((p) => (
                <option key={p.name} value={p.name}>
                  {lessonLabel(p)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <button type="button" disabled={off || chosen === ""} onClick={() => void push({ lesson: chosen })} data-testid="btn-class-push-lesson" title="Every student's page loads this lesson">
          Push lesson
        </button>
        <button
          type="button"
          disabled={off}
          onClick={() => void push({ network: specOf(store.getState()) })}
          data-testid="btn-class-push-network"
          title="Every student's canvas loads the network on your canvas (their dataset and settings stay)"
        >
          Push my network
        </button>
        {state !== null && state.pushed > 0 && (
          <small className="muted" data-testid="class-pushed">
            pushed: {state.lesson ?? (state.network ? "your network" : "–")}
          </small>
        )}
      </div>
      <div className="class-row" aria-label="Lock parts of the students' page">
        <span className="class-row-label">Lock</span>
        {LOCKS.map(({ part, label, title }) => (
          <label key={part} title={title}>
            <input
              type="checkbox"
              checked={state?.locks.includes(part) ?? false}
              disabled={off}
              onChange={(e) => toggleLock(part, e.target.checked)}
              data-testid={`class-lock-${part}`}
            />
            {label}
          </label>
        ))}
        <label title="Students see the class's grid (read only)">
          <input
            type="checkbox"
            checked={state?.share_grid ?? false}
            disabled={off}
            onChange={(e) => void update({ share_grid: e.target.checked })}
            data-testid="class-share-grid"
          />
          share grid with students
        </label>
      </div>
      <details className="class-row class-hide" data-testid="class-hide" data-hidden={state?.hidden.join(" ") ?? ""}>
        <summary>
          Hide panels{state && state.hidden.length > 0 ? ` (${state.hidden.length} hidden)` : ""}
        </summary>
        {panels.map((panel) => (
          <label key={panel}>
            <input
              type="checkbox"
              checked={state?.hidden.includes(panel) ?? false}
              disabled={off}
              onChange={(e) => toggleHidden(panel, e.target.checked)}
              data-testid={`class-hide-${panel}`}
            />
            {panel.replace(/_/g, " ")}
          </label>
        ))}
      </details>
      <div className="class-row" aria-label="Every student's run">
        <span className="class-row-label">All runs</span>
        <button type="button" disabled={off} onClick={() => void control("start", "Start")} data-testid="btn-class-start" title="Start (or resume) every student's run">
          ▶ Start all
        </button>
        <button type="button" disabled={off} onClick={() => void control("pause", "Pause")} data-testid="btn-class-pause" title="Pause every student's run">
          ❚❚ Pause all
        </button>
        {confirmReset ? (
          <>
            <span>Stop every student's run and clear their curves?</span>
            <button
              type="button"
              className="danger"
              disabled={off}
              onClick={() => {
                setConfirmReset(false);
                void control("reset", "Reset");
              }}
              data-testid="btn-class-reset-confirm"
            >
              Reset all
            </button>
            <button type="button" onClick={() => setConfirmReset(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" disabled={off} onClick={() => setConfirmReset(true)} data-testid="btn-class-reset" title="Stop every student's run and reset their pages (asks first)">
            ↺ Reset all
          </button>
        )}
      </div>
    </div>
  );
}
