import { describe, expect, test } from "vitest";
import type { RunConfig } from "../api/types";
import { DEFAULT_TRAINING } from "../state/setup";
import { configDiff, describeDiff, formatValue } from "./diff";

const network: RunConfig["network"] = {
  version: 1,
  name: "plain",
  nodes: [
    { id: "in", type: "input", position: { x: 0, y: 0 } },
    { id: "fc", type: "linear", params: { out_features: 2 }, position: { x: 100, y: 0 } },
    { id: "out", type: "output", params: { loss: "cross_entropy" }, position: { x: 200, y: 0 } },
  ],
  edges: [
    { source: "in", target: "fc" },
    { source: "fc", target: "out" },
  ],
};

function config(changes: Partial<RunConfig> = {}): RunConfig {
  return {
    name: "a",
    network,
    dataset: { name: "spiral", params: { noise: 0.1 } },
    training: { ...DEFAULT_TRAINING, optimizer: "sgd" },
    device: "auto",
    ...changes,
  };
}

describe("configDiff", () => {
  test("the same setup differs in nothing, whatever its name, device and node positions", () => {
    const moved = { ...network, nodes: network.nodes.map((n) => ({ ...n, position: { x: 9, y: 9 } })) };
    expect(configDiff(config(), config({ name: "b", device: "cpu", network: moved }))).toEqual([]);
    expect(describeDiff([])).toBe("same settings");
  });

  test("one training field: the optimizer, from and to", () => {
    const diffs = configDiff(config(), config({ training: { ...DEFAULT_TRAINING, optimizer: "adam" } }));
    expect(diffs).toEqual([{ field: "optimizer", from: "sgd", to: "adam" }]);
    expect(describeDiff(diffs)).toBe("optimizer: sgd → adam");
  });

  test("several: training fields first in their order, then the dataset and its params, then the network; two named, +N more", () => {
    const other = config({
      training: { ...DEFAULT_TRAINING, optimizer: "sgd", seed: 3, lr: 0.1, weight_decay: 0.001 },
      dataset: { name: "circle", params: { noise: 0.2 } },
      network: { ...network, name: "deep", nodes: [...network.nodes.slice(0, 1), { id: "fc", type: "linear", params: { out_features: 8 } }, ...network.nodes.slice(2)] },
    });
    const diffs = configDiff(config(), other);
    expect(diffs.map((d) => d.field)).toEqual(["lr", "weight_decay", "seed", "dataset", "dataset.noise", "network"]);
    expect(diffs.at(-1)).toEqual({ field: "network", from: "plain", to: "deep" });
    expect(describeDiff(diffs)).toBe("lr: 0.01 → 0.1, weight_decay: 0 → 0.001 +4 more");
  });

  test("a network of other layers under the same name is said to have changed", () => {
    const other = config({ network: { ...network, edges: [{ source: "in", target: "out" }] } });
    expect(configDiff(config(), config({ network: { ...network, edges: undefined } }))[0]?.field).toBe("network");
    expect(describeDiff(configDiff(config(), other))).toBe("network: changed");
  });

  test("a field only one run has reads as missing on the other", () => {
    const base = config({ training: { ...DEFAULT_TRAINING, optimizer: "sgd" } });
    const other = config({ training: { ...DEFAULT_TRAINING, optimizer: "sgd", rho: 0.9 } as RunConfig["training"] });
    expect(configDiff(base, other)).toEqual([{ field: "rho", from: "–", to: "0.9" }]);
  });

  test("values are written short", () => {
    expect(formatValue(0.1 + 0.2)).toBe("0.3");
    expect(formatValue(32)).toBe("32");
    expect(formatValue(true)).toBe("true");
    expect(formatValue(undefined)).toBe("–");
  });
});
