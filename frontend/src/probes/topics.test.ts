import { describe, expect, test } from "vitest";
import { isImageClassification, isPlanar, nodeViews, runViews, topicOf } from "./topics";

const digits = { task: "classification", input_shape: [1, 8, 8] };
const spiral = { task: "classification", input_shape: [2] };
const plane = { task: "regression", input_shape: [2] };
const segmentation = { task: "segmentation", input_shape: [1, 32, 32] };

describe("which views apply", () => {
  test("a conv node on images: activations, feature maps, ERF, weights, gradients", () => {
    expect(nodeViews({ id: "c1", type: "conv2d", shape: [16, 8, 8], params: 160 }, digits)).toEqual([
      "activations",
      "feature_maps",
      "erf",
      "weights",
      "gradients",
    ]);
    expect(nodeViews({ id: "a1", type: "relu", shape: [16, 8, 8], params: 0 }, digits)).toEqual(["activations", "feature_maps", "erf"]);
  });

  test("vector nodes have no maps; input and output have no views; unknown shapes show what needs none", () => {
    expect(nodeViews({ id: "h1", type: "linear", shape: [16], params: 48 }, spiral)).toEqual(["activations", "weights", "gradients"]);
    expect(nodeViews({ id: "in", type: "input", shape: [2], params: 0 }, spiral)).toEqual([]);
    expect(nodeViews({ id: "out", type: "output", shape: [2], params: 0 }, spiral)).toEqual([]);
    expect(nodeViews({ id: "x", type: "relu", shape: null, params: undefined }, undefined)).toEqual(["activations"]);
  });

  test("run views follow the dataset", () => {
    expect(runViews(spiral)).toEqual(["decision_boundary"]);
    expect(runViews(plane)).toEqual(["decision_boundary"]);
    expect(runViews(digits)).toEqual(["confusion", "predictions"]);
    expect(runViews(segmentation)).toEqual([]);
    expect(runViews(undefined)).toEqual([]);
    expect(isPlanar(digits)).toBe(false);
    expect(isImageClassification(digits)).toBe(true);
    expect(topicOf("erf", "c1")).toBe("erf:c1");
    expect(topicOf("confusion")).toBe("confusion");
  });
});
