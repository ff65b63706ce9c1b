import { describe, expect, test } from "vitest";
import { inView, shouldRefit, type ViewSnapshot } from "./useKeepFitted";

const PANE = { width: 400, height: 200 };

describe("keeping the network in view", () => {
  test("a drawing is in view when all of it lies in the pane under the view's translation and zoom", () => {
    const drawing = { x: 0, y: 0, width: 300, height: 100 };
    expect(inView(drawing, PANE, [0, 0, 1])).toBe(true);
    expect(inView(drawing, PANE, [50, 50, 1])).toBe(true);
    expect(inView(drawing, PANE, [150, 0, 1])).toBe(false); // its right edge at 450
    expect(inView(drawing, PANE, [0, 0, 2])).toBe(false); // 600 x 200 at zoom 2
    expect(inView(drawing, PANE, [-0.4, 0, 1])).toBe(true); // rounding is not leaving
    expect(inView({ x: 100, y: 100, width: 100, height: 100 }, PANE, [-100, -100, 1])).toBe(true);
  });

  const whole: ViewSnapshot = { inView: true, transform: "0,0,1", positions: "a@0,0;b@200,0;" };

  test("a size change that pushes part of the network out of a whole view refits", () => {
    expect(shouldRefit(whole, { ...whole, inView: false })).toBe(true);
  });

  test("a pan, a zoom or a moved node is the person's: no refit", () => {
    expect(shouldRefit(whole, { ...whole, inView: false, transform: "-80,0,1" })).toBe(false);
    expect(shouldRefit(whole, { ...whole, inView: false, transform: "0,0,1.5" })).toBe(false);
    expect(shouldRefit(whole, { ...whole, inView: false, positions: "a@0,0;b@900,0;" })).toBe(false);
  });

  test("a view that did not show it all, or still does, is left as it is", () => {
    expect(shouldRefit({ ...whole, inView: false }, { ...whole, inView: false })).toBe(false);
    expect(shouldRefit(whole, whole)).toBe(false);
    expect(shouldRefit(null, { ...whole, inView: false })).toBe(false);
  });
});
