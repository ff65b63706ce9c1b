// The canvas keeps a fitted network whole in view while sizes change under it: the demo card
// takes room, presentation mode resizes the canvas and its nodes, shapes and the hidden units'
// maps grow nodes. Only a change of size refits, and only one that pushes part of the network
// out of a view that showed all of it: a pan, a zoom or a moved node is the person's choice.
import { useStoreApi, type ReactFlowState } from "@xyflow/react";
import { useEffect } from "react";
import { useActions } from "../context";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What decides a refit: whether all nodes are in view, and the view and positions it was judged with. */
export interface ViewSnapshot {
  inView: boolean;
  transform: string;
  positions: string;
}

/** Whether a drawing (flow coordinates) lies inside a width x height pane under [x, y, zoom] (half a pixel of slack). */
export function inView(drawing: Rect, pane: { width: number; height: number }, [x, y, zoom]: readonly [number, number, number]): boolean {
  const slack = 0.5;
  const left = drawing.x * zoom + x;
  const top = drawing.y * zoom + y;
  return (
    left >= -slack &&
    top >= -slack &&
    left + drawing.width * zoom <= pane.width + slack &&
    top + drawing.height * zoom <= pane.height + slack
  );
}

/** Refit when the network just left a view that showed it whole, by a change of size alone. */
export function shouldRefit(before: ViewSnapshot | null, now: ViewSnapshot): boolean {
  return before !== null && before.inView && !now.inView && before.transform === now.transform && before.positions === now.positions;
}

/** The snapshot of React Flow's state; null until the pane is measured. */
function snapshotOf(state: ReactFlowState): ViewSnapshot | null {
  if (state.width === 0 || state.height === 0) return null;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  let positions = "";
  for (const node of state.nodeLookup.values()) {
    const { x, y } = node.internals.positionAbsolute;
    positions += `${node.id}@${x},${y};`;
    left = Math.min(left, x);
    top = Math.min(top, y);
    right = Math.max(right, x + (node.measured.width ?? 0));
    bottom = Math.max(bottom, y + (node.measured.height ?? 0));
  }
  const drawing = { x: left, y: top, width: right - left, height: bottom - top };
  return {
    inView: positions === "" || inView(drawing, state, state.transform),
    transform: state.transform.join(","),
    positions,
  };
}

/** Inside React Flow's provider: asks the canvas for a new fit (the store's refit) when shouldRefit says so. */
export function useKeepFitted(): void {
  const flow = useStoreApi();
  const { refit } = useActions();
  useEffect(() => {
    let last = snapshotOf(flow.getState());
    let frame = 0;
    const unsubscribe = flow.subscribe((state) => {
      const now = snapshotOf(state);
      if (now === null) return;
      if (shouldRefit(last, now)) {
        // One fit for the changes of one frame (every node reports its size on its own).
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(refit);
      }
      last = now;
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [flow, refit]);
}
