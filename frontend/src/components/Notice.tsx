// A short message that goes away by itself (a refused connection, an import problem).
// It floats at the foot of the canvas, from an anchor of no height: it covers no chart or panel.
import { useEffect } from "react";
import { useActions, usePlayground } from "../context";

export function Notice() {
  const notice = usePlayground((s) => s.notice);
  const { setNotice } = useActions();
  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => setNotice(null), 5000);
    return () => clearTimeout(timer);
  }, [notice, setNotice]);
  if (notice === null) return null;
  return (
    <div className="notice-anchor">
      <div className="notice" role="status" data-testid="notice">
        {notice}
        <button type="button" className="close" onClick={() => setNotice(null)} aria-label="Dismiss">
          ×
        </button>
      </div>
    </div>
  );
}
