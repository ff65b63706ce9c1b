import { describe, expect, test } from "vitest";
import type { RacePath } from "../api/types";
import { advance, continueAt, divergedBy, shownPoints, stepsPerSecond } from "./animation";

const path = (points: number, stopped: number | null = null): RacePath => ({
  label: "SGD",
  name: "sgd",
  path: Array.from({ length: points }, (_, i): [number, number] => [i, i]),
  loss: Array.from({ length: points }, () => 1),
  stopped_at: stopped,
});

describe("the race's clock", () => {
  test("a race plays in about ten seconds, a short one at 20 steps a second", () => {
    expect(stepsPerSecond(500)).toBe(50);
    expect(stepsPerSecond(50)).toBe(20);
    expect(advance(0, 1000, 500)).toBe(50);
    expect(advance(10, 100, 50)).toBe(12);
  });

  test("it stops at the last step and never goes back", () => {
    expect(advance(495, 1000, 500)).toBe(500);
    expect(advance(7, -5, 500)).toBe(7);
  });

  test("a new race of the same course goes on from the same step; another course starts over", () => {
    expect(continueAt(120.5, 500, true)).toBe(120.5);
    expect(continueAt(420, 300, true)).toBe(300);
    expect(continueAt(120, 500, false)).toBe(0);
  });

  test("a path shows its start at step 0 and one point more each step, up to its end", () => {
    expect(shownPoints(path(501), 0)).toBe(1);
    expect(shownPoints(path(501), 10.7)).toBe(11);
    expect(shownPoints(path(501), 500)).toBe(501);
    expect(shownPoints(path(40, 40), 100)).toBe(40);
  });

  test("a diverged racer is marked once the animation reaches its step", () => {
    expect(divergedBy(path(40, 40), 39.9)).toBe(false);
    expect(divergedBy(path(40, 40), 40)).toBe(true);
    expect(divergedBy(path(501), 500)).toBe(false);
  });
});
