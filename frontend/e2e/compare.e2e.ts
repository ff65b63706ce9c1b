// Runs side by side in real Chromium against the real server: a spiral run trained with
// SGD is forked from the runs list with Adam (fresh weights); the fork trains, and both
// runs' curves grow together on both charts, each in its colour, the legend naming what
// the fork changed. Then the same two compared by their checkboxes, and stopped.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { allRuns, rest, runIdInUrl, type RunSummary, withoutRuns } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

const api = rest(baseUrl);

// Each test starts from a server without runs, and leaves none training.
withoutRuns(api);

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";
const attr = async (page: Page, testId: string, name: string): Promise<string> => (await page.getByTestId(testId).getAttribute(name)) ?? "";

/** Points each run has on a chart (its `data-run-points`: "id:n id:n"). */
async function pointsByRun(page: Page, chart: string): Promise<Record<string, number>> {
  const pairs = (await attr(page, chart, "data-run-points")).split(" ").filter(Boolean);
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.lastIndexOf(":")), Number(p.slice(p.lastIndexOf(":") + 1))]));
}

/** The fewest points any of the runs has on the chart. */
async function fewest(page: Page, chart: string, ids: readonly string[]): Promise<number> {
  const points = await pointsByRun(page, chart);
  return Math.min(...ids.map((id) => points[id] ?? 0));
}

/** A spiral run trained with SGD from the page, slowly (it costs little on a shared machine). */
async function trainSgd(page: Page): Promise<string> {
  await page.getByTestId("dataset-select").selectOption("spiral");
  await page.getByTestId("optimizer-select").selectOption("sgd");
  await page.getByTestId("max-steps-input").fill("100000");
  await page.getByTestId("speed-50").click();
  await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
  await page.getByTestId("btn-play").click();
  await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("running");
  await expect.poll(() => runIdInUrl(page), { timeout: 5_000 }).not.toBeNull();
  return runIdInUrl(page) as string;
}

async function expectGrowing(page: Page, ids: readonly string[]): Promise<void> {
  for (const chart of ["chart-loss", "chart-accuracy"]) {
    await expect.poll(() => attr(page, chart, "data-runs"), { timeout: 10_000 }).toBe(String(ids.length));
    await expect.poll(() => fewest(page, chart, ids), { timeout: 30_000 }).toBeGreaterThan(2);
  }
  // Live: both runs' curves grow together.
  const before = await pointsByRun(page, "chart-loss");
  for (const id of ids) {
    await expect.poll(async () => (await pointsByRun(page, "chart-loss"))[id] ?? 0, { timeout: 30_000 }).toBeGreaterThan(before[id] ?? 0);
  }
}

describe("runs side by side", () => {
  test("a run forked with Adam from the runs list trains beside its SGD source, both overlaid, the legend naming the change", async () => {
    const page = await suite.open(`${baseUrl}/`);
    const source = await trainSgd(page);
    await page.getByTestId("runs-list-toggle").click();
    await page.getByTestId(`runs-list-fork-${source}`).click();
    const form = page.getByTestId("fork-form");
    await form.waitFor();
    expect(await page.getByTestId("fork-field").inputValue()).toBe("optimizer");
    // Prefilled with the source's value.
    await expect.poll(() => page.getByTestId("fork-value").inputValue(), { timeout: 10_000 }).toBe("sgd");
    await page.getByTestId("fork-value").selectOption("adam");
    await page.getByTestId("fork-weights-fresh").check();
    await page.getByTestId("fork-submit").click();
    await expect.poll(() => form.count(), { timeout: 15_000 }).toBe(0);

    const fork = (await allRuns(api)).find((r) => r.id !== source);
    expect(fork?.name).toContain("(fork)");
    const forkId = (fork as RunSummary).id;
    await expect.poll(() => attr(page, "compare-legend", "data-runs"), { timeout: 10_000 }).toBe("2");
    await expect.poll(() => page.getByTestId(`compare-legend-${forkId}`).getAttribute("data-status"), { timeout: 30_000 }).toBe("running");
    expect(await text(page, `compare-legend-${source}`)).toContain("base");
    await expect.poll(() => text(page, `compare-diff-${forkId}`), { timeout: 10_000 }).toBe("optimizer: sgd → adam");
    // The source is the base: the page's own run, drawn from the page's history.
    expect(await page.getByTestId(`compare-legend-${source}`).getAttribute("data-base")).toBe("true");
    await expectGrowing(page, [source, forkId]);
    // Each run in its own colour: the base blue, the fork vermillion (Okabe-Ito's first two).
    const colours = await page.getByTestId("chart-loss").evaluate((el) =>
      ((el.querySelector(".chart-plot") as HTMLElement & { data?: { line?: { color?: string; dash?: string } }[] }).data ?? []).map(
        (t) => `${t.line?.color ?? ""} ${t.line?.dash ?? ""}`,
      ),
    );
    expect(colours).toEqual(["#0072B2 solid", "#0072B2 dash", "#D55E00 solid", "#D55E00 dash"]);
    await expect.poll(() => text(page, `runs-list-acc-${forkId}`), { timeout: 30_000 }).toMatch(/\d+\.\d%/);
    await page.getByTestId("compare-legend").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, "compare-fork.png") });

    // Stop comparing: the page's own run alone again.
    await page.getByTestId("compare-clear").click();
    await expect.poll(() => page.getByTestId("compare-legend").count()).toBe(0);
    await expect.poll(() => attr(page, "chart-loss", "data-runs")).toBe("1");
    expect(await page.getByTestId(`runs-list-compare-${forkId}`).isChecked()).toBe(false);

    // The same two by their boxes: the first ticked is the base.
    await page.getByTestId(`runs-list-compare-${forkId}`).check();
    await expect.poll(() => attr(page, "compare-legend", "data-runs")).toBe("1");
    expect(await attr(page, "chart-loss", "data-runs")).toBe("1");
    await page.getByTestId(`runs-list-compare-${source}`).check();
    await expectGrowing(page, [forkId, source]);
    await expect.poll(() => text(page, `compare-diff-${source}`), { timeout: 10_000 }).toBe("optimizer: adam → sgd");
    expect(await text(page, `compare-diff-${forkId}`)).toBe("base");
    await page.screenshot({ path: join(SHOTS, "compare-boxes.png") });
    await page.getByTestId(`runs-list-compare-${forkId}`).uncheck();
    await expect.poll(() => attr(page, "compare-legend", "data-runs")).toBe("1");
    await page.getByTestId("compare-clear").click();
    await expect.poll(() => page.getByTestId("compare-legend").count()).toBe(0);

    await page.getByTestId(`runs-list-stop-${forkId}`).click();
    await page.getByTestId("btn-reset").click();
    await expect.poll(async () => (await allRuns(api)).filter((r) => ["queued", "running"].includes(r.status)), { timeout: 15_000 }).toEqual([]);
  });
});
