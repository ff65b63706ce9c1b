// Curves worth watching, in real Chromium against the real server: XOR with one hidden
// layer, 2,000 steps at full speed, still draws its accuracy from step 0 with at least
// a hundred points, whatever the machine's speed.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

/** The x values of each trace Plotly drew in a chart, by trace name. */
function traces(page: Page, testId: string): Promise<Record<string, number[]>> {
  return page.getByTestId(testId).evaluate((el) => {
    const plot = el.querySelector<HTMLElement & { data?: { name?: string; x?: number[] }[] }>(".js-plotly-plot");
    const out: Record<string, number[]> = {};
    for (const trace of plot?.data ?? []) out[trace.name ?? "?"] = [...(trace.x ?? [])];
    return out;
  });
}

describe("curves", () => {
  test("XOR's 2,000 steps draw the accuracy from step 0 with at least 100 points", async () => {
    const page = await suite.open(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("preset-select").locator("option").count(), { timeout: 15_000 }).toBeGreaterThan(1);
    await page.getByTestId("preset-select").selectOption("xor-hidden");
    await expect.poll(async () => (await page.getByTestId("spec-errors").textContent()) ?? "", { timeout: 10_000 }).toContain("valid network");
    await page.getByTestId("btn-play").click();
    await expect.poll(async () => (await page.getByTestId("run-status").textContent()) ?? "", { timeout: 60_000 }).toContain("completed");
    await expect
      .poll(async () => (await traces(page, "chart-accuracy"))["test accuracy"]?.length ?? 0, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(100);
    const accuracy = await traces(page, "chart-accuracy");
    const test_acc = accuracy["test accuracy"] ?? [];
    expect(test_acc[0]).toBe(0); // the untrained network, before the first step
    expect(test_acc[test_acc.length - 1]).toBe(2000);
    const loss = await traces(page, "chart-loss");
    expect(Math.min(...Object.values(loss).map((xs) => xs[0] ?? Infinity))).toBe(0);
    await page.screenshot({ path: join(SHOTS, "curves-xor.png") });
  });
});
