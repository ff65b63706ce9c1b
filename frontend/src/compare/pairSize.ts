// How large the pair view draws each of its runs' views: the largest square that fits its
// columns (each with its controls beside the drawing and its heading, progress and facts
// around it), never smaller than the run views' column draws it, nor huge.

/** The run views' column's drawing: the pair view never draws smaller. */
export const PAIR_MIN_SIZE = 176;
/** The largest drawing the pair view draws. */
export const PAIR_MAX_SIZE = 420;
/** A column's room beside its drawing (the landscape's controls), around it (name, progress, facts) and between columns. */
export const PAIR_ROOM = { beside: 150, around: 84, gap: 20 } as const;

/**
 * Side of each drawing for a pair view whose columns have this width and height, with
 * `columns` runs side by side and `beside` pixels of controls next to each drawing.
 */
export function pairPlotSize(width: number, height: number, columns = 2, beside: number = PAIR_ROOM.beside): number {
  const n = Math.max(1, columns);
  const fits = Math.min((width - PAIR_ROOM.gap * (n - 1)) / n - beside, height - PAIR_ROOM.around);
  return Math.round(Math.max(PAIR_MIN_SIZE, Math.min(PAIR_MAX_SIZE, fits)));
}
