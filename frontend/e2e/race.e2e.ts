// The optimizer race in real Chromium against the real server: six paths drawn, another
// function raced again, a click moves the start, a learning rate changed mid-animation.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();
const KEYS = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"];

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `race-${name}.png`) });
const plotAttr = (page: Page, name: string) => page.getByTestId("race-plot").getAttribute(name);
const pathAttr = (page: Page, key: string, name: string) => page.getByTestId(`race-path-${key}`).getAttribute(name);
const starts = (page: Page) => Promise.all(KEYS.map((k) => pathAttr(page, k, "data-start")));

/** The race open, its first race drawn. */
async function openRace(): Promise<Page> {
  const page = await suite.open(`${baseUrl}/`);
  await page.getByTestId("btn-race").click();
  await page.getByTestId("race-view").waitFor();
  await expect.poll(() => plotAttr(page, "data-paths"), { timeout: 15_000 }).toBe("6");
  await page.locator(".race-contour .main-svg").first().waitFor();
  return page;
}

test("six racers descend the quadratic, and closing returns to the playground", async () => {
  const page = await openRace();
  expect(await plotAttr(page, "data-function")).toBe("quadratic");
  for (const key of KEYS) await page.getByTestId(`race-path-${key}`).waitFor({ state: "attached" });
  // It animates: the drawn steps grow.
  const first = Number(await plotAttr(page, "data-step"));
  await expect.poll(async () => Number(await plotAttr(page, "data-step")), { timeout: 10_000 }).toBeGreaterThan(first + 20);
  expect(Number(await pathAttr(page, "sgd", "data-shown"))).toBeGreaterThan(1);
  await expect.poll(() => page.getByTestId("race-minimum").count()).toBe(1);
  await shot(page, "quadratic");

  await page.getByTestId("race-play").click();
  const paused = await plotAttr(page, "data-step");
  await page.waitForTimeout(500);
  expect(await plotAttr(page, "data-step")).toBe(paused);
  await page.getByTestId("race-restart").click();
  await expect.poll(async () => Number(await plotAttr(page, "data-step"))).toBeLessThan(Number(paused));

  await page.getByTestId("race-close").click();
  await expect.poll(() => page.getByTestId("race-view").count()).toBe(0);
  await page.getByTestId("canvas").waitFor();
});

test("Rosenbrock is raced again from its own start", async () => {
  const page = await openRace();
  const before = await pathAttr(page, "sgd", "data-end");
  await page.getByTestId("race-function").selectOption("rosenbrock");
  await expect.poll(() => plotAttr(page, "data-function"), { timeout: 15_000 }).toBe("rosenbrock");
  expect(await pathAttr(page, "sgd", "data-end")).not.toBe(before);
  expect(await plotAttr(page, "data-start")).toBe("-1.5000,2.0000");
  expect(new Set(await starts(page))).toEqual(new Set(["-1.5000,2.0000"]));
  // The race finishes: momentum reaches the valley's floor near (1, 1).
  await page.getByTestId("race-steps").fill("200");
  await expect.poll(() => page.getByTestId("race-step").textContent(), { timeout: 15_000 }).toBe("step 200 / 200");
  await shot(page, "rosenbrock");
});

test("a click on the contours starts every racer there", async () => {
  const page = await openRace();
  const overlay = page.getByTestId("race-overlay");
  const box = await overlay.boundingBox();
  if (!box) throw new Error("no overlay");
  // A quarter of the way across and down the plot area (margins: 44 left, 12 right, 10 top, 34 bottom).
  const [l, r, t, b] = [44, 12, 10, 34];
  const fx = 0.25;
  const fy = 0.25;
  await overlay.click({ position: { x: l + fx * (box.width - l - r), y: t + fy * (box.height - t - b) } });
  // The quadratic's domain is [-2, 2]²: the point is (-1, 1), to within a pixel (a click lands on whole pixels).
  const near = (text: string | null) => {
    const [x, y] = (text ?? "").split(",").map(Number);
    return Math.abs((x as number) + 1) < 0.02 && Math.abs((y as number) - 1) < 0.02;
  };
  await expect.poll(async () => near(await plotAttr(page, "data-start")), { timeout: 15_000 }).toBe(true);
  const start = await plotAttr(page, "data-start");
  expect(new Set(await starts(page))).toEqual(new Set([start]));
  await shot(page, "start");
});

test("a learning rate changed while it plays changes the paths, from the same step", async () => {
  const page = await openRace();
  await expect.poll(async () => Number(await plotAttr(page, "data-step")), { timeout: 10_000 }).toBeGreaterThan(30);
  const before = await Promise.all(KEYS.map((k) => pathAttr(page, k, "data-end")));
  const stepBefore = Number(await plotAttr(page, "data-step"));
  // Too large for the κ = 10 bowl: plain SGD diverges and is marked where it stopped.
  await page.getByTestId("race-lr-sgd").fill("0.3");
  await expect.poll(() => pathAttr(page, "sgd", "data-end"), { timeout: 15_000 }).not.toBe(before[0]);
  expect(Number(await plotAttr(page, "data-step"))).toBeGreaterThanOrEqual(stepBefore);
  // Only SGD's path changed.
  for (let i = 1; i < KEYS.length; i++) expect(await pathAttr(page, KEYS[i] as string, "data-end")).toBe(before[i]);
  await page.getByTestId("race-diverged-sgd").waitFor({ timeout: 15_000 });
  expect(await page.getByTestId("race-diverged-sgd").textContent()).toMatch(/^diverged at step \d+$/);
  await page.getByTestId("race-diverged-mark-sgd").waitFor();

  await page.getByTestId("race-momentum-momentum").fill("0.5");
  const momentumEnd = before[1];
  await expect.poll(() => pathAttr(page, "momentum", "data-end"), { timeout: 15_000 }).not.toBe(momentumEnd);
  await shot(page, "live-lr");
});
