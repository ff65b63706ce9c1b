// Every run the server holds, a page at a time (GET /api/runs, newest first): so that no
// run trains unseen, runs left by an earlier page or another tab can be opened (watched
// here), stopped or deleted. Polled while shown; the server's notes (a run it paused
// because nobody watched it) are said on the row. Each row's best test accuracy, a box
// that compares it with the others ticked, and a fork (ForkForm.tsx).
import "./RunsList.css";
import { useCallback, useEffect, useState } from "react";
import { api, errorMessage, type RunsPage } from "../api/client";
import type { RunSummary } from "../api/types";
import { usePlayground, usePlaygroundContext } from "../context";
import { ForkForm } from "./ForkForm";
import { percent } from "./probes/ProbePanel";

/** Runs per page of the list. */
export const PAGE_SIZE = 10;
const POLL_MS = 2000;


/** "1–10 of 37" (or "no runs"). */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (total === 0) return "no runs";
  return `${offset + 1}–${offset + shown} of ${total}`;
}

function created(run: RunSummary): string {
  const at = new Date(run.created_at);
  return Number.isNaN(at.getTime()) ? run.created_at : at.toLocaleString();
}

export function RunsList() {
  const { controller, comparison } = usePlaygroundContext();
  const ownId = usePlayground((s) => s.run.id);
  const compared = usePlayground((s) => s.compare);
  const [forking, setForking] = useState<string | null>(null);
  const ownStatus = usePlayground((s) => s.run.status);
  const [open, setOpen] = useState(false);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<RunsPage | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const next = await api.listRuns(PAGE_SIZE, offset);
      setPage(next);
      setProblem(null);
      // Deleting the last run of the last page: show the page before it.
      if (next.runs.length === 0 && offset > 0) setOffset(Math.max(0, offset - PAGE_SIZE));
    } catch (error) {
      setProblem(`cannot list the runs: ${errorMessage(error)}`);
    }
  }, [offset]);

  // Poll while shown (and at once when the page's own run changes), not while hidden.
  useEffect(() => {
    if (!open) return;
    let live = true;
    const tick = () => {
      if (live && document.visibilityState !== "hidden") void load();
    };
    tick();
    const timer = setInterval(tick, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [open, load, ownId, ownStatus]);

  /** Run one row's action, then show the list as it is after it. */
  const act = async (id: string, work: () => Promise<unknown>) => {
    setBusy(id);
    try {
      await work();
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(null);
      await load();
    }
  };

  const stop = (run: RunSummary) =>
    act(run.id, () => (run.id === ownId ? controller.stop() : api.control(run.id, "stop")));
  const remove = (run: RunSummary) =>
    act(run.id, async () => {
      // The page's own run: stop watching it first, so that its end is not reported as a failure.
      if (run.id === ownId) await controller.reset();
      comparison.remove(run.id);
      await api.deleteRun(run.id);
    });
  const toggleCompare = (run: RunSummary, on: boolean) => {
    if (!on) comparison.remove(run.id);
    else comparison.add({ id: run.id, name: run.name, status: run.status, step: run.step, bestTestAcc: run.best_test_acc ?? null });
  };
  const adopt = (run: RunSummary) =>
    act(run.id, async () => {
      if (!(await controller.adopt(run.id))) throw new Error(`the run “${run.name}” is gone`);
    });

  const runs = page?.runs ?? [];
  return (
    <section className="panel runs-list" data-testid="runs-list" aria-label="Runs on the server">
      <header className="probe-head">
        <h2>Runs</h2>
        <button
          type="button"
          className="probe-toggle"
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
          title={open ? "Hide the server's runs" : "Show the server's runs: open, stop or delete them"}
          data-testid="runs-list-toggle"
        >
          {open ? "▾" : "▸"}
        </button>
      </header>
      {open && (
        <>
          {problem && (
            <p className="field-error" role="alert" data-testid="runs-list-error">
              {problem}
            </p>
          )}
          <ul>
            {runs.map((run) => {
              const own = run.id === ownId;
              return (
                <li key={run.id} className={own ? "own" : undefined} data-testid={`runs-list-row-${run.id}`} data-status={run.status}>
                  <div className="runs-line">
                    <strong className="runs-name" title={`${run.name} (${run.id})`}>
                      {run.name}
                    </strong>
                    {own && <span className="muted">this page</span>}
                    <span className={`badge status-${run.status}`}>{run.status}</span>
                    <span className="counter">step {run.step}</span>
                  </div>
                  <small className="muted" title={`created ${created(run)}`}>
                    <span title="Best test accuracy so far" data-testid={`runs-list-acc-${run.id}`}>
                      best {percent(run.best_test_acc)}
                    </span>{" "}
                    · {run.dataset} · {run.optimizer} · {created(run)}
                  </small>
                  {run.error && (
                    <small className="runs-note" data-testid={`runs-list-note-${run.id}`}>
                      {run.error}
                    </small>
                  )}
                  <div className="runs-actions">
                    <button type="button" onClick={() => void adopt(run)} disabled={own || busy !== null} data-testid={`runs-list-open-${run.id}`} title="Watch this run here, with its setup">
                      open
                    </button>
                    <button
                      type="button"
                      onClick={() => void stop(run)}
                      disabled={!run.actions.includes("stop") || busy !== null}
                      data-testid={`runs-list-stop-${run.id}`}
                      title="Stop it for good (it keeps its curves)"
                    >
                      stop
                    </button>
                    <button type="button" className="danger" onClick={() => void remove(run)} disabled={busy !== null} data-testid={`runs-list-delete-${run.id}`} title="Delete it, its history and its checkpoint">
                      delete
                    </button>
                    <button
                      type="button"
                      onClick={() => setForking(forking === run.id ? null : run.id)}
                      aria-expanded={forking === run.id}
                      data-testid={`runs-list-fork-${run.id}`}
                      title="A new run like this one with one training setting changed, compared with it"
                    >
                      fork
                    </button>
                    <label className="runs-compare" title="Overlay its curves on the charts with the other runs ticked">
                      <input
                        type="checkbox"
                        checked={compared.includes(run.id)}
                        onChange={(e) => toggleCompare(run, e.target.checked)}
                        data-testid={`runs-list-compare-${run.id}`}
                      />{" "}
                      compare
                    </label>
                  </div>
                  {forking === run.id && <ForkForm source={run} onClose={() => setForking(null)} onForked={() => void load()} />}
                </li>
              );
            })}
          </ul>
          <footer className="runs-pages">
            <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))} disabled={offset === 0} data-testid="runs-list-newer">
              ‹ newer
            </button>
            <span className="muted" data-testid="runs-list-total" data-total={page?.total ?? ""}>
              {page ? pageLabel(offset, runs.length, page.total) : "…"}
            </span>
            <button
              type="button"
              onClick={() => setOffset(offset + PAGE_SIZE)}
              disabled={page === null || offset + runs.length >= page.total}
              data-testid="runs-list-older"
            >
              older ›
            </button>
          </footer>
        </>
      )}
    </section>
  );
}
