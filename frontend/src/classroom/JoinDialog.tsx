// Opening a join link (`/?join=CODE`) asks the student's name and joins the class: the
// page keeps the credentials and drops the code from the URL, so that a reload or a
// shared address does not join again. The server's refusal (unknown code, class ended or
// full, name taken) is shown in its words.
import "./classroom.css";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, errorMessage } from "../api/client";
import { joinCodeOf, withoutJoin } from "./credentials";
import { useClassCredentials, useSwitchClass } from "./useClass";

function dropJoin(): void {
  const href = withoutJoin(window.location.href);
  if (href !== window.location.href) window.history.replaceState(window.history.state, "", href);
}

export function JoinDialog() {
  const creds = useClassCredentials();
  const enter = useSwitchClass();
  const [code] = useState(() => joinCodeOf(window.location.href));
  // Already in this class on this page (a reload of the link): nothing to ask.
  const already = code !== null && creds !== null && creds.code.toUpperCase() === code.toUpperCase();
  const [open, setOpen] = useState(code !== null && !already);
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (already) dropJoin();
  }, [already]);
  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  if (!open || code === null) return null;

  const close = () => {
    dropJoin();
    setOpen(false);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === "") {
      setProblem("type the name the class will see");
      return;
    }
    setBusy(true);
    try {
      const joined = await api.joinClass({ code, name: trimmed });
      await enter(joined);
      close();
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-label="Join a class">
      <form className="dialog join-dialog" data-testid="join-dialog" onSubmit={(e) => void submit(e)}>
        <h2>
          Join class <span className="class-code-inline">{code}</span>
        </h2>
        <label>
          Your name (the class sees it)
          <input
            ref={inputRef}
            value={name}
            maxLength={40}
            autoComplete="nickname"
            onChange={(e) => setName(e.target.value)}
            data-testid="join-name"
          />
        </label>
        {problem && (
          <p className="field-error" role="alert" data-testid="join-error">
            {problem}
          </p>
        )}
        <div className="join-actions">
          <button type="submit" disabled={busy} data-testid="join-submit">
            Join
          </button>
          <button type="button" onClick={close} data-testid="join-cancel">
            Not now
          </button>
        </div>
      </form>
    </div>
  );
}
