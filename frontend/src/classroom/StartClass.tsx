// The toolbar's class menu, "Start a class": the teacher's name (and the class's), then the
// class's join code and the teacher's credentials, kept by the page, which then shows the
// class panel. It also offers to go back, as their teacher, to the classes this browser
// teaches (a teacher who left one): each is read with its own token first, and one that has
// ended, or that the token no longer opens, is forgotten instead.
import "./classroom.css";
import { useState, type FormEvent } from "react";
import { ApiError, api, errorMessage } from "../api/client";
import type { Credentials } from "../api/types";
import { taughtClasses } from "./credentials";
import { useClassCredentials, useSwitchClass, useTaughtClasses } from "./useClass";

export function StartClass() {
  const creds = useClassCredentials();
  const enter = useSwitchClass();
  const [open, setOpen] = useState(false);
  const [teacher, setTeacher] = useState("Teacher");
  const [name, setName] = useState("Class");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const taught = useTaughtClasses();
  if (creds !== null) return null;

  const rejoin = async (back: Credentials) => {
    setBusy(true);
    try {
      const info = await api.getClassWith(back.class_id, back.token);
      if (info.ended_at != null) {
        taughtClasses().forget(back.class_id);
        setProblem(`Class ${back.code} has ended.`);
        return;
      }
      await enter(back);
      setOpen(false);
      setProblem(null);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        taughtClasses().forget(back.class_id);
        setProblem(`Class ${back.code} is no longer open to this browser.`);
      } else setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const made = await api.createClass({ name: name.trim() || "Class", teacher: teacher.trim() || "Teacher" });
      await enter(made);
      setOpen(false);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="start-class">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        data-testid="btn-class-new"
        title={
          taught.length > 0
            ? "Start a class, or go back to one this browser teaches"
            : "Start a class: students join with a code, and you watch their runs in a grid"
        }
      >
        Start a class{taught.length > 0 ? " ▾" : ""}
      </button>
      {open && (
        <form className="start-class-form" onSubmit={(e) => void submit(e)} data-testid="class-new-form">
          {taught.length > 0 && (
            <div className="class-rejoin" data-testid="class-rejoin">
              {taught.map((back) => (
                <button
                  key={back.class_id}
                  type="button"
                  disabled={busy}
                  onClick={() => void rejoin(back)}
                  data-testid="btn-class-rejoin"
                  data-code={back.code}
                  title={`Go back to class ${back.code} as its teacher (${back.name})`}
                >
                  Back to class {back.code} as teacher
                </button>
              ))}
              <span className="muted">or start a new one:</span>
            </div>
          )}
          <label>
            Your name
            <input value={teacher} maxLength={40} onChange={(e) => setTeacher(e.target.value)} data-testid="class-teacher-name" />
          </label>
          <label>
            Class
            <input value={name} maxLength={80} onChange={(e) => setName(e.target.value)} data-testid="class-name" />
          </label>
          {problem && (
            <p className="field-error" role="alert" data-testid="class-new-error">
              {problem}
            </p>
          )}
          <div className="start-class-actions">
            <button type="submit" disabled={busy} data-testid="class-new-submit">
              Start
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </span>
  );
}
