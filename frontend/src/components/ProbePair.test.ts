import { describe, expect, test } from "vitest";
import { pairTestId } from "./ProbePair";
import { runViewOf } from "./probes/RunPanels";

describe("the pair view's views", () => {
  test("the pair view's ids: probe-pair, and the landscape's landscape-pair as before", () => {
    expect(pairTestId("decision_boundary")).toBe("probe-pair");
    expect(pairTestId("confusion")).toBe("probe-pair");
    expect(pairTestId("loss_landscape")).toBe("landscape-pair");
  });

  test("the page's run views name what several of them are; a probe without a view has none", () => {
    expect(runViewOf("decision_boundary")).toMatchObject({ many: "decision boundaries", beside: 0 });
    expect(runViewOf("loss_landscape")).toMatchObject({ many: "loss landscapes", beside: 150 });
    expect(runViewOf("erf")).toBeNull();
    expect(runViewOf("toString")).toBeNull();
  });
});
