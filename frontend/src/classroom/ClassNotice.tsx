// On a student's page: what the teacher just pushed ("Your teacher pushed …"), above the
// canvas for 8 s (longer than the page's toasts: it explains why the canvas changed).
import "./classroom.css";
import { useEffect } from "react";
import { classStateStore, useClassNotice } from "./classState";

const SHOWN_MS = 8000;

export function ClassNotice() {
  const notice = useClassNotice();
  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => classStateStore.setNotice(null), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  if (notice === null) return null;
  return (
    <div className="class-notice" role="status" data-testid="class-notice">
      {notice}
      <button type="button" className="close" onClick={() => classStateStore.setNotice(null)} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
