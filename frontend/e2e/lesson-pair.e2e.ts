// Comparison lessons in real Chromium against the real server. Residual-vs-plain trains the
// plain network on the page and the residual one beside it, compares them, and shows their
// two loss landscapes side by side, each headed by its run and fed by its own run;
// wide-vs-deep does the same with their decision boundaries, and the legend gives each
// run's parameter count; batch-noise's legend measures each run's step-to-step spread.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { allRuns, rest, runIdInUrl, type RunSummary, withoutRuns } from "./rest";
import { drawn } from "./pixels";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

const api = rest(baseUrl);

withoutRuns(api);

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

/** Load a lesson from the demo menu; the page's own run id and the other run's, once both exist. */
async function loadLesson(page: Page, name: string): Promise<{ own: string; other: RunSummary }> {
  await expect.poll(() => page.getByTestId("preset-select").locator("option").count()).toBeGreaterThan(1);
  await page.getByTestId("preset-select").selectOption(name);
  await expect.poll(() => page.getByTestId("compare-legend").getAttribute("data-runs"), { timeout: 30_000 }).toBe("2");
  const own = runIdInUrl(page) as string;
  expect(own).not.toBeNull();
  const runs = await allRuns(api);
  expect(runs).toHaveLength(2);
  return { own, other: runs.find((r) => r.id !== own) as RunSummary };
}

const stopAll = async (ids: readonly string[]): Promise<void> => {
  // Stopped from here, not by the page: a run may finish just as the page would stop it (a 409 it logs).
  for (const id of ids) await api("POST", `/api/runs/${id}/stop`).catch(() => undefined);
};

describe("the residual-vs-plain lesson", () => {
  test("both runs train, compared, and their loss landscapes fill side by side, each headed by its run", async () => {
    const page = await suite.open(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("preset-select").locator("option").count()).toBeGreaterThan(1);
    await page.getByTestId("preset-select").selectOption("residual-vs-plain");

    const pair = page.getByTestId("landscape-pair");
    await pair.waitFor({ timeout: 30_000 });
    const own = runIdInUrl(page) as string;
    expect(own).not.toBeNull();
    const runs = await allRuns(api);
    expect(runs).toHaveLength(2);
    const beside = runs.find((r) => r.id !== own) as RunSummary;
    expect(beside.name).toBe("residual, 8 layers");
    expect(runs.find((r) => r.id === own)?.name).toBe("plain, 8 layers");

    // The card says both are training, and what to look at.
    await expect.poll(() => text(page, "demo-beside"), { timeout: 15_000 }).toContain("residual, 8 layers");
    expect(await text(page, "demo-beside")).toContain("plain, 8 layers");
    expect(await text(page, "demo-beside")).toContain("Compare their loss landscapes, side by side");
    expect(await page.getByTestId("compare-legend").getAttribute("data-runs")).toBe("2");
    await expect.poll(() => text(page, `compare-diff-${beside.id}`), { timeout: 10_000 }).toContain("network: plain, 8 layers → residual, 8 layers");

    // Two landscapes, one per run, each filling from its own run's frames.
    const panels = pair.getByTestId("panel-loss-landscape");
    await expect.poll(() => panels.count()).toBe(2);
    expect(await text(page, `landscape-pair-name-${own}`)).toContain("plain, 8 layers");
    expect(await text(page, `landscape-pair-name-${beside.id}`)).toContain("residual, 8 layers");
    for (const id of [own, beside.id]) {
      const panel = page.getByTestId(`landscape-pair-${id}`).getByTestId("panel-loss-landscape");
      await expect.poll(async () => Number((await panel.getAttribute("data-rows-done")) ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);
    }
    // Drawn larger than in the run views' column (176 px), as the room over the canvas allows.
    const size = Number(await pair.getAttribute("data-size"));
    expect(size).toBeGreaterThan(176);
    for (const plot of await pair.getByTestId("landscape-plot").all()) expect((await plot.boundingBox())?.width).toBe(size);
    // Both ran (they may have finished their 1000 steps by now).
    for (const id of [own, beside.id]) {
      await expect.poll(async () => Number((await page.getByTestId(`compare-legend-${id}`).getAttribute("data-step")) ?? 0), { timeout: 30_000 }).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(SHOTS, "lesson-pair.png") });

    await page.getByTestId("landscape-pair-close").click();
    await expect.poll(() => pair.count()).toBe(0);
    await page.getByTestId("demo-pair-open").click();
    await expect.poll(() => pair.count()).toBe(1);

    await page.getByTestId("compare-clear").click();
    await expect.poll(() => pair.count()).toBe(0);
    await stopAll([own, beside.id]);
  });
});

describe("the wide-vs-deep lesson", () => {
  test("both runs' decision boundaries draw side by side, and the legend gives their parameter counts", async () => {
    const page = await suite.open(`${baseUrl}/`);
    const { own, other } = await loadLesson(page, "wide-vs-deep");
    expect(other.name).toBe("deep: 3 x 16");

    // The server's counts, from the validation of each run's network on its dataset.
    await expect.poll(() => text(page, `compare-params-${own}`), { timeout: 15_000 }).toBe("627 parameters");
    await expect.poll(() => text(page, `compare-params-${other.id}`), { timeout: 15_000 }).toBe("626 parameters");

    const pair = page.getByTestId("probe-pair");
    await pair.waitFor({ timeout: 30_000 });
    expect(await pair.getAttribute("data-view")).toBe("decision_boundary");
    expect(await page.getByTestId("landscape-pair").count()).toBe(0);
    await expect.poll(() => pair.getByTestId("panel-decision-boundary").count()).toBe(2);
    expect(await text(page, `probe-pair-name-${own}`)).toContain("wide: 1 x 125");
    expect(await text(page, `probe-pair-name-${other.id}`)).toContain("deep: 3 x 16");
    expect(await text(page, "demo-beside")).toContain("Compare their decision boundaries, side by side");
    // Each column draws its own run's boundary, larger than the run views' column (160 px).
    for (const id of [own, other.id]) {
      await expect.poll(() => drawn(page, `probe-pair-${id}`), { timeout: 60_000 }).toBeGreaterThan(1000);
      const canvas = page.getByTestId(`probe-pair-${id}`).getByTestId("boundary-canvas");
      expect((await canvas.boundingBox())?.width).toBeGreaterThan(160);
    }
    // The columns sit side by side: the second starts right of the first.
    const [a, b] = await Promise.all([own, other.id].map((id) => page.getByTestId(`probe-pair-${id}`).boundingBox()));
    expect(b?.x ?? 0).toBeGreaterThan((a?.x ?? 0) + (a?.width ?? 0) - 1);
    expect(Math.abs((a?.y ?? 0) - (b?.y ?? 0))).toBeLessThan(2);
    await page.screenshot({ path: join(SHOTS, "lesson-pair-boundaries.png") });

    await page.getByTestId("probe-pair-close").click();
    await expect.poll(() => pair.count()).toBe(0);
    await page.getByTestId("demo-pair-open").click();
    await expect.poll(() => pair.count()).toBe(1);
    await stopAll([own, other.id]);
  });
});

describe("the batch-noise lesson", () => {
  test("the legend measures each run's step-to-step spread, batch 1's above the full batch's", async () => {
    const page = await suite.open(`${baseUrl}/`);
    const { own, other } = await loadLesson(page, "batch-noise");
    expect(other.name).toBe("batch 250");
    const points = async (id: string) => Number((await page.getByTestId(`compare-spread-${id}`).getAttribute("data-points")) ?? 0);
    for (const id of [own, other.id]) await expect.poll(() => points(id), { timeout: 60_000 }).toBeGreaterThanOrEqual(20);
    const spread = async (id: string) => Number((await page.getByTestId(`compare-spread-${id}`).getAttribute("data-spread")) || Number.NaN);
    const [one, full] = [await spread(own), await spread(other.id)];
    expect(one).toBeGreaterThan(0);
    expect(full).toBeGreaterThanOrEqual(0);
    expect(one).toBeGreaterThan(full * 10);
    expect(await text(page, `compare-spread-${own}`)).toMatch(/^step-to-step spread \d/);
    expect(await page.getByTestId(`compare-spread-${own}`).getAttribute("title")).toContain("last 50 train losses");
    // Both runs are spiral MLPs of the same size.
    await expect.poll(() => text(page, `compare-params-${own}`), { timeout: 15_000 }).toMatch(/^\d[\d,]* parameters$/);
    expect(await text(page, `compare-params-${other.id}`)).toBe(await text(page, `compare-params-${own}`));
    await stopAll([own, other.id]);
  });
});
