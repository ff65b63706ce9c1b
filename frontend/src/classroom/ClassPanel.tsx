// The teacher's view of their class, over the playground: the join code, large enough to
// read from the back of the room, the join link; what every student's page follows (a
// lesson or the teacher's network pushed, locked parts, hidden panels, a shared grid);
// start, pause and reset every student's run at once; the grid of students, polled while
// the page is shown, with a spotlight per run; and the results. The teacher's page stays a
// playground of its own below it.
import "./classroom.css";
import { useCallback, useEffect, useState } from "react";
import { api, type ClassStateBody, errorMessage } from "../api/client";
import type { ClassState, Credentials } from "../api/types";
import { ClassControls } from "./ClassControls";
import { ClassGrid } from "./ClassGrid";
import { ClassResults } from "./ClassResults";
import { classStateStore, useClassState } from "./classState";
import { joinLinks } from "./credentials";
import { Spotlight } from "./Spotlight";
import { useClassCredentials } from "./useClass";
import { useClassInfo } from "./useClassInfo";
import { useClassGrid } from "./useClassGrid";

/** How often the teacher's grid is read: a few times a second (the server caches it for 0.5 s, so no more work). */
export const GRID_POLL_MS = 500;
/** How long a control's report stays. */
const REPORT_MS = 8000;

export function ClassPanel() {
  const creds = useClassCredentials();
  if (creds === null || creds.role !== "teacher") return null;
  return <TeacherPanel creds={creds} />;
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
