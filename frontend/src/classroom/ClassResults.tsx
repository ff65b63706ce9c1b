// The class's results, on the teacher's panel: one line per student's run, what they changed
// against the pushed lesson and its final metrics (GET /api/classes/{id}/results), read when
// opened and on Refresh; and the same as a CSV file. The file is fetched with the token and
// saved from a Blob: a plain link could not send the Authorization header.
import { saveFile } from "../download";
import { useEffect, useState } from "react";
import { api, errorMessage } from "../api/client";
import type { ClassResults as Results } from "../api/types";
import { csvName, resultLines } from "./results";

export function ClassResults({ classId, code }: { classId: string; code: string }) {
  const [results, setResults] = useState<Results | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Each Refresh asks again; the read in flight is the one whose answer has not come.
  const [asked, setAsked] = useState(0);
  const [answered, setAnswered] = useState(-1);
  const busy = answered !== asked;

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const answer = await api.classResults(classId);
        if (!live) return;
        setResults(answer);
        setProblem(null);
      } catch (error) {
        if (live) setProblem(`cannot read the results: ${errorMessage(error)}`);
      } finally {
        if (live) setAnswered(asked);
      }
    })();
    return () => {
      live = false;
    };
  }, [classId, asked]);

  const download = async () => {
    try {
      saveFile(csvName(results?.lesson ?? null, code), await api.classResultsCsv(classId));
    } catch (error) {
      setProblem(`cannot download the results: ${errorMessage(error)}`);
    }
  };

  const lines = results ? resultLines(results) : [];
  return (
    <section className="class-results" data-testid="class-results" data-rows={lines.length} aria-label="Results">
      <header className="class-results-head">
        <h3>Results{results?.lesson ? ` · ${results.lesson}` : ""}</h3>
        <button type="button" onClick={() => setAsked((n) => n + 1)} disabled={busy} data-testid="class-results-refresh">
          Refresh
        </button>
        <a
          href={`/api/classes/${encodeURIComponent(classId)}/results.csv`}
          onClick={(event) => {
            // The link itself would go without the token: fetch the file with it instead.
            event.preventDefault();
            void download();
          }}
          data-testid="class-results-csv"
          download={csvName(results?.lesson ?? null, code)}
        >
          Download CSV
        </a>
      </header>
      {problem && (
        <p className="field-error" role="alert" data-testid="class-results-error">
          {problem}
        </p>
      )}
      <table className="class-grid class-results-table">
        <thead>
          <tr>
            <th>Student</th>
            <th>Run</th>
            <th>What changed</th>
            <th>Step</th>
            <th>Train loss</th>
            <th>Test loss</th>
            <th>Test acc.</th>
            <th>Best</th>
          </tr>
        </thead>
        <tbody>
          {results !== null && lines.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                No runs yet.
              </td>
            </tr>
          )}
          {lines.map((line) => (
            <tr key={line.key} data-testid="class-results-row" data-student={line.student}>
              <td className="class-grid-name">{line.student}</td>
              <td>
                {line.runName} <span className={`badge status-${line.status}`}>{line.status}</span>
              </td>
              <td className="class-results-changed">{line.changed}</td>
              <td className="counter">{line.step}</td>
              <td className="counter">{line.trainLoss}</td>
              <td className="counter">{line.testLoss}</td>
              <td className="counter">{line.testAcc}</td>
              <td className="counter">{line.bestTestAcc}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
