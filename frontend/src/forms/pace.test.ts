import { expect, test } from "vitest";
import { paceLabel, PACES, pacesShown } from "./pace";

test("the speed presets, with a link's own pace among them in order", () => {
  expect(pacesShown(50)).toEqual([...PACES]);
  expect(pacesShown(0)).toEqual([10, 50, 200, 0]);
  expect(pacesShown(25)).toEqual([10, 25, 50, 200, 0]);
  expect(pacesShown(1000)).toEqual([10, 50, 200, 1000, 0]);
  expect(PACES.map(paceLabel)).toEqual(["10/s", "50/s", "200/s", "full"]);
});
