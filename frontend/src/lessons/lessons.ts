// The lecture's lessons (the presets, each with its lesson): their order, their groups, the
// menu's labels, the next one, and what the panels a lesson names open on the page.
import type { Preset } from "../api/types";

export interface LessonGroup {
  group: string;
  lessons: Preset[];
}

/** The presets in the lecture's order: by `lesson.order`, then by title. */
export function lessonOrder(presets: readonly Preset[]): Preset[] {
  return [...presets].sort((a, b) => a.lesson.order - b.lesson.order || a.title.localeCompare(b.title));
}

/** The lessons in order, grouped by `lesson.group`; the groups in the order of their first lesson. */
export function lessonGroups(presets: readonly Preset[]): LessonGroup[] {
  const groups = new Map<string, Preset[]>();
  for (const preset of lessonOrder(presets)) {
    const list = groups.get(preset.lesson.group);
    if (list) list.push(preset);
    else groups.set(preset.lesson.group, [preset]);
  }
  return [...groups].map(([group, lessons]) => ({ group, lessons }));
}

/** A lesson's menu label: its place in the lecture, its concept and its title. */
export function lessonLabel(preset: Preset): string {
  return `${preset.lesson.order}. ${preset.lesson.concept}: ${preset.title}`;
}

/** The lesson after `name` in the lecture's order; null after the last or for a name not there. */
export function nextLesson(presets: readonly Preset[], name: string): Preset | null {
  const ordered = lessonOrder(presets);
  const i = ordered.findIndex((p) => p.name === name);
  return i < 0 ? null : (ordered[i + 1] ?? null);
}

export interface LessonViews {
  /** The run-wide view to open (the first run-wide topic named), or null. */
  run: string | null;
  /** The node to select and its view to show (the first node topic `view:node` named), or null. */
  node: { id: string; view: string } | null;
}

/**
 * What a lesson's panels open: a run-wide topic (no ":") opens as the run view; a node topic
 * `view:node` selects its node (in `nodes`; one not on the canvas is left out) with that view.
 */
export function lessonViews(panels: readonly string[], nodes: readonly string[]): LessonViews {
  const run = panels.find((topic) => !topic.includes(":")) ?? null;
  let node: LessonViews["node"] = null;
  for (const topic of panels) {
    const at = topic.indexOf(":");
    if (at <= 0) continue;
    const id = topic.slice(at + 1);
    if (!nodes.includes(id)) continue;
    node = { id, view: topic.slice(0, at) };
    break;
  }
  return { run, node };
}
