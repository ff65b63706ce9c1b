// Presentation mode on the page: the root element's class (presentation.css), and the
// canvas fitted again once its new size is measured.
import { useEffect, useLayoutEffect, useRef } from "react";
import { useActions, usePlayground } from "../context";

export function usePresentationMode(): void {
  const presentation = usePlayground((s) => s.presentation);
  const { refit } = useActions();

  // Before the browser lays the page out, so that the canvas measures its nodes at their size in the mode.
  useLayoutEffect(() => {
    document.documentElement.classList.toggle("presentation", presentation);
  }, [presentation]);

  // A switch resizes the canvas and its nodes; React Flow measures them in the next frame, so
  // the fit is asked for then (the canvas fits its first view itself).
  const fittedFor = useRef(presentation);
  useEffect(() => {
    if (fittedFor.current === presentation) return;
    fittedFor.current = presentation;
    const frame = requestAnimationFrame(refit);
    return () => cancelAnimationFrame(frame);
  }, [presentation, refit]);
}
