// Presentation mode on the page: the root element's class (presentation.css). The canvas
// fits again by itself when the mode changes its size (components/Canvas.tsx).
import { useLayoutEffect } from "react";
import { usePlayground } from "../context";

export function usePresentationMode(): void {
  const presentation = usePlayground((s) => s.presentation);
  // Before the browser lays the page out, so that the canvas measures its nodes at their size in the mode.
  useLayoutEffect(() => {
    document.documentElement.classList.toggle("presentation", presentation);
  }, [presentation]);
}
