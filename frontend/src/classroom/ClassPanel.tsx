// The teacher's view of their class, over the playground: the join code, large enough to
// read from the back of the room, the join link; what every student's page follows (a
// lesson or the teacher's network pushed, locked parts, hidden panels, a shared grid);
// start, pause and reset every student's run at once; the grid of students, polled while
// the page is shown, with a spotlight per run; and the results. The teacher's page stays a
// playground of its own below it.
import "./classroom.css";
import { useCallback, useEffect, useState } from "react";
import { ApiError, api, type ClassStateBody, errorMessage } from "../api/client";
import type { ClassAction, ClassInfo, ClassLock, ClassState, ControlReport, Credentials } from "../api/types";
import { usePlayground, usePlaygroundContext } from "../context";
import { lessonGroups, lessonLabel } from "../lessons/lessons";
import { specOf } from "../state/store";
import { ClassGrid } from "./ClassGrid";
import { ClassResults } from "./ClassResults";
import { classStateStore, useClassState } from "./classState";
import { joinLinks, taughtClasses } from "./credentials";
import { Spotlight } from "./Spotlight";
import { useClassCredentials } from "./useClass";
import { useClassGrid } from "./useClassGrid";

/** How often the class's name, members and end are read. */
export const POLL_MS = 3000;
/** How often the teacher's grid is read: a few times a second (the server caches it for 0.5 s, so no more work). */
export const GRID_POLL_MS = 500;
/** How long a control's report stays. */
const REPORT_MS = 8000;

const LOCKS: { part: ClassLock; label: string; title: string }[] = [
  { part: "palette", label: "network", title: "Students cannot add, move, connect or delete layers" },
  { part: "training", label: "training", title: "Students cannot change the optimizer or its settings" },
  { part: "dataset", label: "dataset", title: "Students cannot pick another dataset or change its params" },
];

function useClassInfo(creds: Credentials): { info: ClassInfo | null; problem: string | null; refresh: () => void } {
  const [info, setInfo] = useState<ClassInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    const load = async () => {
      if (document.visibilityState === "hidden") return;
      try {
        const answer = await api.getClass(creds.class_id);
        if (!live) return;
        setInfo(answer);
        setProblem(null);
        // An ended class is not offered again as one to go back to.
        if (answer.ended_at != null) taughtClasses().forget(creds.class_id);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) taughtClasses().forget(creds.class_id);
        if (live) setProblem(`cannot read the class: ${errorMessage(error)}`);
      }
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [creds.class_id, creds.token, tick]);

  // The token was shown once: this browser keeps it to come back to the class after leaving it.
  useEffect(() => taughtClasses().remember(creds), [creds]);

  return { info, problem, refresh: () => setTick((t) => t + 1) };
}

export function ClassPanel() {
  const creds = useClassCredentials();
  if (creds === null || creds.role !== "teacher") return null;
  return <TeacherPanel creds={creds} />;
}

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

function TeacherPanel({ creds }: { creds: Credentials }) {
  const { info, problem, refresh } = useClassInfo(creds);
  const state = useClassState();
  const [shown, setShown] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const [endProblem, setEndProblem] = useState<string | null>(null);
  const [showResults, setShowResults] = useState(false);
  const links = joinLinks(window.location.origin, creds.code, info === null ? null : (info.join_urls ?? []));
  const ended = info?.ended_at != null;
  const grid = useClassGrid(creds.class_id, shown, GRID_POLL_MS, creds.token);
  const rows = grid.rows;

  const [actionProblem, setActionProblem] = useState<string | null>(null);
  const [report, setReport] = useState<string | null>(null);
  useEffect(() => {
    if (report === null) return;
    const timer = setTimeout(() => setReport(null), REPORT_MS);
    return () => clearTimeout(timer);
  }, [report]);

  /** Set some of what the students follow; the rest as it is (the lesson and network too: nothing is pushed again). */
  const update = useCallback(
    async (changes: Partial<ClassStateBody>): Promise<ClassState | null> => {
      const now = classStateStore.get(creds.class_id);
      if (now === null) return null;
      const body: ClassStateBody = {
        lesson: now.lesson,
        network: now.network,
        locks: now.locks,
        hidden: now.hidden,
        spotlight: now.spotlight,
        share_grid: now.share_grid,
        ...changes,
      };
      // Shown at once (a checkbox follows the click); the answer, or the next read if refused, settles it.
      classStateStore.set(creds.class_id, { ...now, ...changes });
      try {
        const answer = await api.putClassState(creds.class_id, body);
        classStateStore.set(creds.class_id, answer);
        setActionProblem(null);
        return answer;
      } catch (error) {
        setActionProblem(errorMessage(error));
        return null;
      }
    },
    [creds.class_id],
  );

  const end = async () => {
    setConfirming(false);
    try {
      await api.endClass(creds.class_id);
      setEndProblem(null);
    } catch (error) {
      setEndProblem(errorMessage(error));
    }
    refresh();
  };

  const spotlight = state?.spotlight ?? null;
  const spotlit = spotlight === null ? undefined : rows.find((r) => r.runId === spotlight);
  const closeSpotlight = useCallback(() => void update({ spotlight: null }), [update]);

  return (
    <section className="panel class-panel" data-testid="class-panel" data-ended={ended} aria-label="Your class">
      <header className="class-panel-head">
        <h2>
          {info?.name ?? "Class"} {ended && <span className="badge status-stopped">ended</span>}
        </h2>
        <span className="muted" data-testid="class-count">
          {rows.length} {rows.length === 1 ? "student" : "students"}
        </span>
        <div className="class-panel-tools">
          <button type="button" onClick={() => setShowResults((r) => !r)} aria-pressed={showResults} data-testid="btn-class-results">
            Results
          </button>
          {!ended &&
            (confirming ? (
              <>
                <span>End the class? No one can join or start a run; runs are kept.</span>
                <button type="button" className="danger" onClick={() => void end()} data-testid="btn-class-end-confirm">
                  End it
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" onClick={() => setConfirming(true)} data-testid="btn-class-end" title="End the class (asks first)">
                End class
              </button>
            ))}
          <button type="button" onClick={() => setShown((s) => !s)} aria-expanded={shown} data-testid="class-panel-toggle" title={shown ? "Fold the class panel" : "Show the class panel"}>
            {shown ? "▾" : "▸"}
          </button>
        </div>
      </header>
      {(problem ?? endProblem ?? actionProblem ?? grid.problem) && (
        <p className="field-error" role="alert" data-testid="class-panel-error">
          {problem ?? endProblem ?? actionProblem ?? grid.problem}
        </p>
      )}
      {shown && (
        <div className="class-panel-body">
          <div className="class-join">
            <span className="muted">Join code</span>
            <strong className="class-code" data-testid="class-code">
              {creds.code}
            </strong>
            <a className="class-link" href={links.main} data-testid="class-link" onClick={(e) => e.preventDefault()} title="Students open this link">
              {links.main}
            </a>
            {/* Opened on this machine (127.0.0.1): the main link is one other machines reach; this one works here only. */}
            {links.local !== null && (
              <small className="muted class-link-local">
                on this computer:{" "}
                <a className="class-link" href={links.local} data-testid="class-link-local" onClick={(e) => e.preventDefault()}>
                  {links.local}
                </a>
              </small>
            )}
            {links.others.map((other) => (
              <a key={other} className="class-link" href={other} data-testid="class-link-other" onClick={(e) => e.preventDefault()} title="Students on other machines open this link">
                {other}
              </a>
            ))}
            {links.localOnly && (
              <small className="muted class-link-hint" data-testid="class-link-hint">
                Only this computer can open this link: start the server with <code>layerlab serve --host 0.0.0.0</code> for students to join.
              </small>
            )}
          </div>
          <div className="class-main">
            <ClassControls
              classId={creds.class_id}
              state={state}
              disabled={ended}
              update={update}
              onProblem={setActionProblem}
              onReport={setReport}
              names={new Map(rows.flatMap((r) => (r.runId === null ? [] : [[r.runId, r.name] as [string, string]])))}
            />
            {report && (
              <p className="class-report" role="status" data-testid="class-control-report">
                {report}
              </p>
            )}
            <div className="class-grid-wrap">
              <ClassGrid rows={rows} spotlight={spotlight} onSpotlight={(row) => void update({ spotlight: row.runId })} />
            </div>
            {showResults && <ClassResults classId={creds.class_id} code={creds.code} />}
          </div>
        </div>
      )}
      {spotlight !== null && <Spotlight key={spotlight} runId={spotlight} student={spotlit?.name ?? "…"} onClose={closeSpotlight} />}
    </section>
  );
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

function ClassControls({ classId, state, disabled, update, onProblem, onReport, names }: ControlsProps) {
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
