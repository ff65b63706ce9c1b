import { describe, expect, test } from "vitest";
import { PROBES } from "../testing/fixtures";
import type { ProbeInfo } from "../api/types";
import { allowed, fitsDataset, nodeViews, probeOption, runProbeApplies, runViews, topicOf } from "./topics";

const digits = { task: "classification", input_shape: [1, 8, 8] };
const spiral = { task: "classification", input_shape: [2] };
const plane = { task: "regression", input_shape: [2] };
const segmentation = { task: "segmentation", input_shape: [1, 32, 32] };

// The page's views, in its order (components/probes).
const NODE = ["activations", "feature_maps", "erf", "weights", "gradients"] as const;
const RUN = ["decision_boundary", "confusion", "predictions"] as const;

describe("which views apply, by the registry's rules", () => {
  test("a conv node on images: activations, feature maps, ERF, weights, gradients", () => {
    expect(nodeViews(PROBES, NODE, { id: "c1", type: "conv2d", shape: [16, 8, 8], params: 160 }, digits)).toEqual([
      "activations",
      "feature_maps",
      "erf",
      "weights",
      "gradients",
    ]);
    expect(nodeViews(PROBES, NODE, { id: "a1", type: "relu", shape: [16, 8, 8], params: 0 }, digits)).toEqual([
      "activations",
      "feature_maps",
      "erf",
    ]);
  });

  test("vector nodes have no maps; input and output have no views; unknown shapes show what needs none", () => {
    expect(nodeViews(PROBES, NODE, { id: "h1", type: "linear", shape: [16], params: 48 }, spiral)).toEqual([
      "activations",
      "weights",
      "gradients",
    ]);
    expect(nodeViews(PROBES, NODE, { id: "in", type: "input", shape: [2], params: 0 }, spiral)).toEqual([]);
    expect(nodeViews(PROBES, NODE, { id: "out", type: "output", shape: [2], params: 0 }, spiral)).toEqual([]);
    expect(nodeViews(PROBES, NODE, { id: "x", type: "relu", shape: null, params: undefined }, undefined)).toEqual(["activations"]);
  });

  test("run views follow the dataset, in the page's order", () => {
    expect(runViews(PROBES, RUN, spiral)).toEqual(["decision_boundary"]);
    expect(runViews(PROBES, RUN, plane)).toEqual(["decision_boundary"]);
    expect(runViews(PROBES, RUN, digits)).toEqual(["confusion", "predictions"]);
    expect(runViews(PROBES, RUN, segmentation)).toEqual([]);
    expect(runViews(PROBES, RUN, undefined)).toEqual([]);
    expect(runProbeApplies(PROBES, "decision_boundary", digits)).toBe(false);
    expect(runProbeApplies(PROBES, "segmentation", segmentation)).toBe(true);
    expect(topicOf("erf", "c1")).toBe("erf:c1");
    expect(topicOf("confusion")).toBe("confusion");
  });

  test("a probe that names the node types it applies to shows on those alone", () => {
    const convOnly = PROBES.map((p) => (p.name === "weights" ? { ...p, applies: { ...p.applies, only_types: ["conv2d"] } } : p));
    expect(nodeViews(convOnly, NODE, { id: "c1", type: "conv2d", shape: [16, 8, 8], params: 160 }, digits)).toContain("weights");
    expect(nodeViews(convOnly, NODE, { id: "h1", type: "linear", shape: [16], params: 48 }, spiral)).not.toContain("weights");
  });

  test("a probe shows only where both the registry and the page have it", () => {
    const withoutErf = PROBES.filter((p) => p.name !== "erf");
    const conv = { id: "c1", type: "conv2d", shape: [16, 8, 8], params: 160 };
    expect(nodeViews(withoutErf, NODE, conv, digits)).not.toContain("erf");
    // The registry's segmentation probe has no view in the page: not offered.
    expect(runViews(PROBES, RUN, segmentation)).toEqual([]);
    expect(nodeViews([], NODE, conv, digits)).toEqual([]);
    // A new rule on the server changes what the page offers, with no change here.
    const onlyBig: ProbeInfo[] = PROBES.map((p) => (p.name === "weights" ? { ...p, applies: { ...p.applies, output_rank: 3 } } : p));
    expect(nodeViews(onlyBig, NODE, { id: "h1", type: "linear", shape: [16], params: 48 }, spiral)).toEqual(["activations", "gradients"]);
  });

  test("dataset rules: rank, exact shape, task; an unknown dataset fits only probes without them", () => {
    const applies = (changes: Partial<ProbeInfo["applies"]>) => ({ ...(PROBES[0] as ProbeInfo).applies, ...changes });
    expect(fitsDataset(applies({ input_shape: [2] }), { task: "regression", input_shape: [3] })).toBe(false);
    expect(fitsDataset(applies({ input_rank: 1 }), { task: "regression", input_shape: [3] })).toBe(true);
    expect(fitsDataset(applies({ input_rank: 3 }), { task: "classification", input_shape: null })).toBe(false);
    expect(fitsDataset(applies({ tasks: ["classification"] }), plane)).toBe(false);
    expect(fitsDataset(applies({}), undefined)).toBe(true);
    expect(fitsDataset(applies({ tasks: ["regression"] }), undefined)).toBe(false);
  });

  test("a view's control for a probe option shows only where the schema has it, with the values it allows", () => {
    const size = { type: "integer", default: 6, minimum: 1, maximum: 32 };
    const withSize: ProbeInfo[] = PROBES.map((p) => (p.name === "weights" ? { ...p, params_schema: { type: "object", properties: { size } } } : p));
    expect(probeOption(withSize, "weights", "node", "size")).toEqual(size);
    expect(probeOption(withSize, "weights", "run", "size")).toBeUndefined();
    expect(probeOption(PROBES, "segmentation", "run", "image_size")).toBeUndefined();
    expect(probeOption(PROBES, "no_such_probe", "run", "image_size")).toBeUndefined();
    expect(allowed(size, [4, 6, 8, 64])).toEqual([4, 6, 8]);
    expect(allowed({ type: "integer" }, [64, 96])).toEqual([64, 96]);
    expect(allowed({ type: "integer", minimum: 16, maximum: 64 }, [64, 96])).toEqual([64]);
  });

  test("the matrix view is a conv2d or locally connected node's alone; segmentation a segmentation set's", () => {
    const base = PROBES[0] as ProbeInfo;
    const matrix: ProbeInfo = { ...base, name: "conv_matrix", applies: { ...base.applies, skip_types: [], only_types: ["conv2d", "locally_connected2d"] } };
    const probes = [...PROBES, matrix];
    const views = ["weights", "conv_matrix"] as const;
    expect(nodeViews(probes, views, { id: "c1", type: "conv2d", shape: [2, 6, 6], params: 20 }, digits)).toEqual(["weights", "conv_matrix"]);
    expect(nodeViews(probes, views, { id: "l1", type: "locally_connected2d", shape: [2, 6, 6], params: 700 }, digits)).toEqual(["weights", "conv_matrix"]);
    expect(nodeViews(probes, views, { id: "h1", type: "linear", shape: [16], params: 48 }, spiral)).toEqual(["weights"]);
    expect(runViews(PROBES, [...RUN, "segmentation"], segmentation)).toEqual(["segmentation"]);
    expect(runViews(PROBES, [...RUN, "segmentation"], digits)).toEqual(["confusion", "predictions"]);
  });
  test("the shift test is an image-shaped node's on image data; the pixel correlation an image set's", () => {
    const base = PROBES[0] as ProbeInfo;
    const shift: ProbeInfo = { ...base, name: "shift", applies: { ...base.applies, skip_types: ["input", "output"], output_rank: 3, input_rank: 3 } };
    const correlation: ProbeInfo = { ...base, name: "pixel_correlation", scope: "run", applies: { ...base.applies, skip_types: [], input_rank: 3 } };
    const probes = [...PROBES, shift, correlation];
    const views = ["feature_maps", "shift", "erf"] as const;
    expect(nodeViews(probes, views, { id: "a2", type: "relu", shape: [8, 32, 32], params: 0 }, digits)).toEqual(["feature_maps", "shift", "erf"]);
    expect(nodeViews(probes, views, { id: "fc", type: "linear", shape: [10], params: 330 }, digits)).toEqual([]);
    expect(nodeViews(probes, views, { id: "in", type: "input", shape: [1, 8, 8], params: 0 }, digits)).toEqual([]);
    expect(runViews(probes, [...RUN, "pixel_correlation"], digits)).toEqual(["confusion", "predictions", "pixel_correlation"]);
    expect(runViews(probes, [...RUN, "pixel_correlation"], segmentation)).toEqual(["pixel_correlation"]);
    expect(runViews(probes, [...RUN, "pixel_correlation"], spiral)).toEqual(["decision_boundary"]);
  });
});
