// How large the pair view draws each of its two loss landscapes: the largest square that
// fits two columns (each with its controls beside the drawing and its heading, progress and
// facts around it), never smaller than the run views' column draws it, nor huge.

/** The run views' column's drawing: the pair view never draws smaller. */
export const PAIR_MIN_SIZE = 176;
/** The largest drawing the pair view draws. */
export const PAIR_MAX_SIZE = 420;
/** A column's room beside its drawing (the controls), around it (name, progress, facts) and between columns. */
export const PAIR_ROOM = { beside: 150, around: 84, gap: 20 } as const;

/** Side of each drawing for a pair view whose columns have this width and height. */
export function pairPlotSize(width: number, height: number): number {
  const fits = Math.min((width - PAIR_ROOM.gap) / 2 - PAIR_ROOM.beside, height - PAIR_ROOM.around);
  return Math.round(Math.max(PAIR_MIN_SIZE, Math.min(PAIR_MAX_SIZE, fits)));
}
