// The loss landscape of a training spiral run in real Chromium against the real server:
// the slice fills in row by row, draws as contours and as a 3-D surface with the
// weights' path on it, and is asked anew on the trajectory plane.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite({
  // The run would otherwise train on beside the next file's tests.
  beforeClose: (opened) => opened.page.getByTestId("btn-reset").click(),
});

const attr = async (page: Page, testId: string, name: string): Promise<string> =>
  (await page.getByTestId(testId).getAttribute(name)) ?? "";

/** The Plotly traces drawn in the landscape's container (Plotly keeps them on the element as `data`). */
function traceTypes(page: Page): Promise<string[]> {
  return page.getByTestId("landscape-plot").evaluate((el) => {
    const data = (el as HTMLElement & { data?: { type?: string }[] }).data ?? [];
    return el.querySelector(".plot-container") ? data.map((t) => t.type ?? "") : [];
  });
}

/** Wait until the whole slice of `grid` rows is in. */
async function filled(page: Page, grid: number): Promise<void> {
  const panel = "panel-loss-landscape";
  await expect.poll(() => attr(page, panel, "data-rows"), { timeout: 30_000 }).toBe(String(grid));
  await expect.poll(() => attr(page, panel, "data-rows-done"), { timeout: 60_000 }).toBe(String(grid));
  expect(await page.getByTestId("landscape-progress").textContent()).toContain(`${grid} / ${grid} rows`);
}

describe("the loss landscape", () => {
  test("a running spiral run's slice fills in, draws with its path as contours and in 3-D, and on the trajectory plane", async () => {
    const page = await suite.open(`${baseUrl}/`);
    await page.getByTestId("dataset-select").selectOption("spiral");
    await page.getByTestId("max-steps-input").fill("100000");
    await expect.poll(async () => (await page.getByTestId("spec-errors").textContent()) ?? "", { timeout: 10_000 }).toContain("valid network");
    // A run view for every dataset: a tab beside the decision boundary.
    await page.getByTestId("tab-loss_landscape").click();
    await page.getByTestId("btn-play").click();
    await expect.poll(async () => (await page.getByTestId("run-status").textContent()) ?? "", { timeout: 30_000 }).toContain("running");
    // The controls come with the first frame, under its drawing; a smaller grid starts the slice over.
    await page.getByTestId("landscape-grid").selectOption("9");

    await filled(page, 9);
    await expect.poll(() => traceTypes(page), { timeout: 10_000 }).toEqual(["contour", "scatter", "scatter"]);
    // The path: saved weights projected on the plane, ending at now.
    expect(Number(await attr(page, "landscape-plot", "data-path-points"))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, "landscape-contour.png") });

    await page.getByTestId("landscape-log").check();
    await page.getByTestId("landscape-view-surface").click();
    await expect.poll(() => attr(page, "landscape-plot", "data-view")).toBe("surface");
    await expect.poll(() => traceTypes(page), { timeout: 10_000 }).toContain("surface");
    expect(await traceTypes(page)).toContain("scatter3d");
    expect(Number(await attr(page, "landscape-plot", "data-path-points"))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, "landscape-surface.png") });

    // The trajectory plane: the slice is computed anew on the path's principal directions.
    await page.getByTestId("landscape-view-contour").click();
    await page.getByTestId("landscape-plane").selectOption("trajectory");
    expect(await page.getByTestId("landscape-plane-note").textContent()).toContain("PCA");
    await expect.poll(() => page.getByTestId("landscape-facts").textContent(), { timeout: 30_000 }).toContain("of the path's spread");
    await filled(page, 9);
    await expect.poll(() => traceTypes(page), { timeout: 10_000 }).toEqual(["contour", "scatter", "scatter"]);
    expect(Number(await attr(page, "landscape-plot", "data-path-points"))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, "landscape-trajectory.png") });
  });
});
