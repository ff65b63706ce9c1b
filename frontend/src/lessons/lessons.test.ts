import { describe, expect, test } from "vitest";
import type { Preset } from "../api/types";
import { LESSON } from "../testing/fixtures";
import { lessonGroups, lessonLabel, lessonOrder, lessonViews, nextLesson } from "./lessons";

function preset(name: string, title: string, order: number, group: string): Preset {
  return { name, title, doc: "", run: {}, lesson: { ...LESSON, order, group, concept: `concept ${order}` } };
}

// Out of the lecture's order, two at one place (by title then), a group coming back later.
const presets = [
  preset("cnn", "Small CNN", 15, "CNNs"),
  preset("xor-hidden", "XOR with one hidden layer", 2, "Networks"),
  preset("residual", "Residual", 25, "CNNs"),
  preset("xor-linear", "XOR without a hidden layer", 2, "Networks"),
  preset("spiral", "Spiral", 5, "Networks"),
  preset("late", "Late", 30, "Networks"),
];

describe("the lecture's lessons", () => {
  test("in order of lesson.order, then title", () => {
    expect(lessonOrder(presets).map((p) => p.name)).toEqual(["xor-hidden", "xor-linear", "spiral", "cnn", "residual", "late"]);
    // The catalog itself stays as the server sent it.
    expect(presets[0]?.name).toBe("cnn");
  });

  test("grouped in the order of each group's first lesson; a group seen again joins its first", () => {
    expect(lessonGroups(presets).map(({ group, lessons }) => [group, lessons.map((p) => p.name)])).toEqual([
      ["Networks", ["xor-hidden", "xor-linear", "spiral", "late"]],
      ["CNNs", ["cnn", "residual"]],
    ]);
  });

  test("labelled with place, concept and title", () => {
    expect(lessonLabel(presets[1] as Preset)).toBe("2. concept 2: XOR with one hidden layer");
  });

  test("the next lesson follows the order; none after the last or for an unknown name", () => {
    expect(nextLesson(presets, "xor-linear")?.name).toBe("spiral");
    expect(nextLesson(presets, "residual")?.name).toBe("late");
    expect(nextLesson(presets, "late")).toBeNull();
    expect(nextLesson(presets, "nowhere")).toBeNull();
  });
});

describe("what a lesson's panels open", () => {
  const nodes = ["in", "c1", "fc", "out"];

  test("a run-wide topic opens as the run view; the first one named wins", () => {
    expect(lessonViews(["confusion", "decision_boundary"], nodes)).toEqual({ run: "confusion", node: null });
  });

  test("a node topic selects its node with that view, beside a run-wide one", () => {
    expect(lessonViews(["feature_maps:c1", "confusion", "weights:fc"], nodes)).toEqual({
      run: "confusion",
      node: { id: "c1", view: "feature_maps" },
    });
  });

  test("a node topic whose node is not on the canvas is left out; the next one is taken", () => {
    expect(lessonViews(["erf:c9", "weights:fc"], nodes)).toEqual({ run: null, node: { id: "fc", view: "weights" } });
    expect(lessonViews(["erf:c9", ":c1"], nodes)).toEqual({ run: null, node: null });
  });

  test("no panels: nothing opens", () => {
    expect(lessonViews([], nodes)).toEqual({ run: null, node: null });
  });
});
