// The residual-vs-plain lesson in real Chromium against the real server: loading it trains
// the plain network on the page and the residual one beside it, compares them, and shows
// their two loss landscapes side by side, each headed by its run and fed by its own run.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { allRuns, rest, runIdInUrl, type RunSummary, withoutRuns } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

const api = rest(baseUrl);

withoutRuns(api);

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

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
    // Stopped from here, not by the page: a run may finish just as the page would stop it (a 409 it logs).
    for (const id of [own, beside.id]) await api("POST", `/api/runs/${id}/stop`).catch(() => undefined);
  });
});
