// The speed control's choices: a run's pace (training.max_steps_per_s, 0: full speed) as a
// few presets a teacher picks from, rather than a number to type in front of a class.

/** The paces offered, slowest first; 0 (full speed) last. */
export const PACES: readonly number[] = [10, 50, 200, 0];

/** The paces shown: the presets, with the setup's own pace among them where it is none of them (a link's). */
export function pacesShown(pace: number): number[] {
  if (PACES.includes(pace)) return [...PACES];
  const limited = [...PACES.filter((p) => p > 0), pace].sort((a, b) => a - b);
  return [...limited, 0];
}

/** "50/s", or "full" for no limit. */
export function paceLabel(pace: number): string {
  return pace === 0 ? "full" : `${pace}/s`;
}
