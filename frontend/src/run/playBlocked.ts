// What stops Play: a settings field that holds no valid value (the run would train with
// the old one while the field shows the new), or a data setting the server's validation
// refuses. Each is said beside the button rather than left to a red border out of sight.
import type { PlaygroundState } from "../state/store";

/** The field a data-setting error names, in words ("dataset.params.noise" -> "noise"). */
function dataField(field: string): string {
  return field.replace(/^dataset\.(params\.)?/, "");
}

/** Every reason Play may not train now, in the order shown; empty when nothing stops it. */
export function playProblems(state: Pick<PlaygroundState, "fieldProblems" | "validation">): string[] {
  const out = Object.values(state.fieldProblems);
  for (const error of state.validation?.errors ?? []) {
    if (error.node !== null || !error.field?.startsWith("dataset")) continue;
    out.push(`data setting “${dataField(error.field)}”: ${error.message}`);
  }
  return out;
}

/** The sentence beside Play: what it blocks while nothing trains, what is not sent while a run trains. */
export function blockedSentence(problems: readonly string[], training: boolean): string | null {
  if (problems.length === 0) return null;
  return `${training ? "Not sent to the run" : "Play is blocked"}: ${problems.join("; ")}.`;
}
