// The room the run views have in the charts' row.

/** Side of the run views' square drawings. */
export const RUN_SIZE = 160;
/** Width of their grids and charts (the predictions, the scenes, the correlations). */
export const RUN_WIDTH = RUN_SIZE + 16;
