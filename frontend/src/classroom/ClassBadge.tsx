// In the toolbar while the page is in a class: which class, as whom, and a way out. A
// teacher is asked first; the class's credentials stay in this browser's taught classes (the
// teacher's panel keeps them there), and the toolbar offers to go back to it.
import "./classroom.css";
import { useState } from "react";
import { useClassCredentials, useSwitchClass } from "./useClass";

export function ClassBadge() {
  const creds = useClassCredentials();
  const leave = useSwitchClass();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  if (creds === null) return null;
  const teacher = creds.role === "teacher";
  const go = () => {
    setConfirming(false);
    setBusy(true);
    void leave(null).finally(() => setBusy(false));
  };
  return (
    <span className="class-badge" data-testid="class-badge" data-role={creds.role}>
      <span className="class-badge-text" title={`Class ${creds.code} · ${creds.name} (${creds.role})`}>
        Class <strong>{creds.code}</strong> · {creds.name}
      </span>
      <span className="class-role">{creds.role}</span>
      <button
        type="button"
        disabled={busy}
        onClick={teacher ? () => setConfirming((c) => !c) : go}
        aria-expanded={teacher ? confirming : undefined}
        data-testid="btn-class-leave"
        title={
          teacher
            ? "Leave the class on this page (asks first); the toolbar can bring you back as its teacher"
            : "Leave the class on this page: your run stops, and the page works on its own again"
        }
      >
        Leave
      </button>
      {confirming && (
        <span className="class-leave-confirm" role="group" aria-label="Leave the class?" data-testid="class-leave-confirm">
          <span className="class-leave-question">Leave this page's class? You can come back as its teacher from this browser (Start a class ▾).</span>
          <button type="button" className="danger" onClick={go} data-testid="btn-class-leave-confirm">
            Leave
          </button>
          <button type="button" onClick={() => setConfirming(false)} data-testid="btn-class-leave-cancel">
            Stay
          </button>
        </span>
      )}
    </span>
  );
}
