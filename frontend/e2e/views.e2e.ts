// The probe views lessons open by themselves, in real Chromium against the real server:
// segmentation-fcn's Segmentation run tab (image, true and predicted masks, each class's IoU),
// conv-as-matrix's Matrix view of c1 (the node it selects) drawn as a heat map, with its
// input side as an option, the Shift test of equivariance's a2 and pooling-shift's p1,
// pixel-correlation's chart, fcn-any-size's scenes three times the trained side, and
// normalization-axes' table of what bn and ln settle. Each is loaded from the lessons menu and
// trained for a moment.
// Screenshots: frontend/test-output/views-*.png.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { painted } from "./pixels";
import { rest, withoutRuns } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();
const api = rest(baseUrl);

interface ProbeEntry {
  name: string;
  scope: string;
  params_schema: { properties?: Record<string, unknown> };
}

interface DatasetEntry {
  name: string;
  class_names: string[] | null;
}

withoutRuns(api);

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

/** Distinct colours a canvas has drawn (opaque pixels, to a few levels). */
const colours = (page: Page, testId: string): Promise<number> =>
  page.getByTestId(testId).evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      if ((data[i + 3] as number) < 250) continue;
      seen.add((((data[i] as number) >> 3) << 10) | (((data[i + 1] as number) >> 3) << 5) | ((data[i + 2] as number) >> 3));
    }
    return seen.size;
  });

/** The page with the lesson loaded from the lessons menu, its network checked by the server. */
async function openLesson(name: string): Promise<Page> {
  const page = await suite.open(`${baseUrl}/`, { width: 1280, height: 720 });
  const menu = page.getByTestId("lesson-select");
  await expect.poll(() => menu.locator(`option[value="${name}"]`).count(), { timeout: 15_000 }).toBe(1);
  await menu.selectOption(name);
  await expect.poll(() => page.getByTestId("lesson-card").getAttribute("data-lesson"), { timeout: 10_000 }).toBe(name);
  await expect.poll(() => text(page, "shape-out"), { timeout: 15_000 }).not.toBe("?");
  return page;
}

async function play(page: Page): Promise<void> {
  await page.getByTestId("btn-play").click();
  await expect.poll(async () => Number(await text(page, "step-count")), { timeout: 30_000 }).toBeGreaterThan(0);
}

async function pause(page: Page): Promise<void> {
  if ((await page.getByTestId("run-status").getAttribute("data-status")) !== "running") return;
  await page.getByTestId("btn-pause").click();
  await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).not.toContain("running");
}

const ready = (page: Page, testId: string) =>
  expect.poll(() => page.getByTestId(testId).getAttribute("data-state"), { timeout: 60_000, interval: 250 }).toBe("ready");

describe("views a lesson opens", () => {
  test("segmentation-fcn: the Segmentation tab draws scenes and masks, and lists every class's IoU", async () => {
    const [datasets, probes] = await Promise.all([api<DatasetEntry[]>("GET", "/api/datasets"), api<ProbeEntry[]>("GET", "/api/probes")]);
    const names = datasets.find((d) => d.name === "segmentation")?.class_names ?? [];
    expect(names).toHaveLength(5);
    const page = await openLesson("segmentation-fcn");
    // The lesson names the view: its tab is the one shown.
    await page.getByTestId("panel-segmentation").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("tab-segmentation").getAttribute("aria-selected")).toBe("true");
    await play(page);
    await ready(page, "panel-segmentation");
    expect(await page.getByTestId("panel-segmentation").isVisible()).toBe(true);
    const canvas = page.getByTestId("segmentation-canvas");
    await expect.poll(() => painted(page, "segmentation-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    // Images, masks in class colours and the grey background: more than a blank or one-colour drawing.
    expect(await colours(page, "segmentation-canvas")).toBeGreaterThan(4);
    expect(Number(await canvas.getAttribute("data-scenes"))).toBeGreaterThan(0);
    const iou = page.getByTestId("segmentation-iou");
    expect(await iou.locator(".iou-name").allTextContents()).toEqual(names);
    expect(await text(page, "segmentation-mean-iou")).toMatch(/^(–|[0-9.e-]+)$/);
    await page.screenshot({ path: join(SHOTS, "views-segmentation.png") });
    await iou.scrollIntoViewIfNeeded();
    await page.locator(".run-probes").screenshot({ path: join(SHOTS, "views-segmentation-iou.png") });

    // The scene size is offered only where the probe takes it; there, a larger side is drawn afresh.
    const sized = probes.some((p) => p.name === "segmentation" && p.scope === "run" && p.params_schema.properties?.image_size !== undefined);
    const select = page.getByTestId("segmentation-size");
    if (sized) {
      await select.selectOption("64");
      await expect.poll(() => canvas.getAttribute("data-side"), { timeout: 60_000 }).toBe("64");
      await expect.poll(() => painted(page, "segmentation-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    } else {
      expect(await select.count()).toBe(0);
    }
    await pause(page);
  }, 150_000);

  test("conv-as-matrix: c1 selected, its Matrix view a heat map with its caption; a smaller input a smaller matrix", async () => {
    const page = await openLesson("conv-as-matrix");
    // The lesson selects c1 with its Matrix view open and the others folded.
    await expect.poll(() => page.getByTestId("node-c1").getAttribute("class"), { timeout: 10_000 }).toContain("selected");
    await page.getByTestId("panel-conv-matrix").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("panel-weights").getAttribute("data-state")).toBe("closed");
    await play(page);
    await ready(page, "panel-conv-matrix");
    expect(await page.getByTestId("panel-conv-matrix").isVisible()).toBe(true);
    await expect.poll(() => painted(page, "conv-matrix-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    // Signed weights in a sea of zeros: the neutral colour and more.
    expect(await colours(page, "conv-matrix-canvas")).toBeGreaterThan(2);
    const caption = await text(page, "conv-matrix-caption");
    expect(caption).toContain("×");
    expect(caption).toContain("non-zero");
    const [rows = 0, cols = 0] = (/(\d+) × (\d+) matrix/.exec(caption) ?? []).slice(1).map(Number);
    expect(rows * cols).toBeGreaterThan(0);
    await page.getByTestId("panel-conv-matrix").screenshot({ path: join(SHOTS, "views-conv-matrix.png") });

    // The input side is the probe's option: a 4 x 4 input has fewer columns.
    await page.getByTestId("conv-matrix-size").selectOption("4");
    await expect.poll(() => text(page, "conv-matrix-caption"), { timeout: 60_000 }).toContain("×4×4 input");
    const smaller = Number(/× (\d+) matrix/.exec(await text(page, "conv-matrix-caption"))?.[1]);
    expect(smaller).toBeLessThan(cols);
    await pause(page);
  }, 150_000);
  test("equivariance: a2 selected, its Shift test drawn and exact; a 2-pixel shift asked and still exact", async () => {
    const page = await openLesson("equivariance");
    await expect.poll(() => page.getByTestId("node-a2").getAttribute("class"), { timeout: 10_000 }).toContain("selected");
    await page.getByTestId("panel-shift").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("panel-feature-maps").getAttribute("data-state")).toBe("closed");
    await play(page);
    await ready(page, "panel-shift");
    expect(await page.getByTestId("panel-shift").isVisible()).toBe(true);
    await expect.poll(() => painted(page, "shift-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    expect(await colours(page, "shift-canvas")).toBeGreaterThan(4);
    const caption = await text(page, "shift-caption");
    // Circular padding and stride 1 before a2: the maps move with the image, to rounding.
    expect(caption).toContain("Input moved 1 px → maps moved 1 px: exact");
    expect(caption).toMatch(/output changed by [0-9.]+%/);
    await page.getByTestId("panel-shift").screenshot({ path: join(SHOTS, "views-shift.png") });

    // The shift is the probe's option: 2 pixels asked, 2 pixels answered.
    await page.getByTestId("shift-pixels").selectOption("2");
    await expect.poll(() => text(page, "shift-caption"), { timeout: 60_000 }).toContain("Input moved 2 px → maps moved 2 px: exact");
    expect(await page.getByTestId("shift-canvas").getAttribute("data-pixels")).toBe("2");
    await pause(page);
  }, 150_000);

  test("pooling-shift: p1 selected with its Shift test open, which says how much a 1-pixel shift changes it", async () => {
    const page = await openLesson("pooling-shift");
    await expect.poll(() => page.getByTestId("node-p1").getAttribute("class"), { timeout: 10_000 }).toContain("selected");
    await page.getByTestId("panel-shift").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("panel-shift").getAttribute("data-state")).not.toBe("closed");
    // The comparison lesson starts its runs itself.
    await ready(page, "panel-shift");
    await expect.poll(() => painted(page, "shift-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    expect(await text(page, "shift-caption")).toMatch(/^Input moved 1 px → .*; output changed by [0-9.]+%$/);
    await pause(page);
  }, 150_000);

  test("pixel-correlation: the Pixel correlation tab charts correlation against distance, with its fit", async () => {
    const page = await openLesson("pixel-correlation");
    await page.getByTestId("panel-pixel-correlation").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("tab-pixel_correlation").getAttribute("aria-selected")).toBe("true");
    expect(await page.getByTestId("tab-pixel_correlation").textContent()).toBe("Pixel correlation");
    await play(page);
    await ready(page, "panel-pixel-correlation");
    expect(await page.getByTestId("panel-pixel-correlation").isVisible()).toBe(true);
    await expect.poll(() => painted(page, "pixel-correlation-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    // The plot's ground, grid, dots and the dashed fit.
    expect(await colours(page, "pixel-correlation-canvas")).toBeGreaterThan(3);
    expect(Number(await page.getByTestId("pixel-correlation-canvas").getAttribute("data-points"))).toBeGreaterThan(2);
    const caption = await text(page, "pixel-correlation-caption");
    expect(caption).toMatch(/^neighbours -?[01]\.\d\d, \d+ px apart -?[0-9.]+; fit c ≈ [0-9.e+-]+·d\^-?[0-9.]+ \(R² -?[0-9.]+\)$/);
    await page.screenshot({ path: join(SHOTS, "views-pixel-correlation.png") });
    await pause(page);
  }, 150_000);

  test("fcn-any-size: 96 × 96 scenes asked, the same network labels them, every class's IoU still listed", async () => {
    const [datasets, probes] = await Promise.all([api<DatasetEntry[]>("GET", "/api/datasets"), api<ProbeEntry[]>("GET", "/api/probes")]);
    const names = datasets.find((d) => d.name === "segmentation")?.class_names ?? [];
    const sized = probes.some((p) => p.name === "segmentation" && p.scope === "run" && p.params_schema.properties?.image_size !== undefined);
    expect(sized).toBe(true);
    const page = await openLesson("fcn-any-size");
    await page.getByTestId("panel-segmentation").waitFor({ timeout: 10_000 });
    await play(page);
    await ready(page, "panel-segmentation");
    const canvas = page.getByTestId("segmentation-canvas");
    const trained = Number(await canvas.getAttribute("data-side"));
    expect(trained).toBeGreaterThan(0);
    expect(trained).toBeLessThan(96);
    expect(await text(page, "segmentation-caption")).toContain("test scenes; IoU over the test set");

    await page.getByTestId("segmentation-size").selectOption("96");
    // The frame's own image_size and the predicted masks' side (data-side is the arrays', which agree).
    await expect.poll(() => canvas.getAttribute("data-image-size"), { timeout: 60_000 }).toBe("96");
    expect(await canvas.getAttribute("data-side")).toBe("96");
    await expect.poll(() => painted(page, "segmentation-canvas"), { timeout: 10_000 }).toBeGreaterThan(1000);
    expect(await colours(page, "segmentation-canvas")).toBeGreaterThan(4);
    const tiles = Math.round(96 / trained);
    expect(await text(page, "segmentation-caption")).toContain(`of 96×96, each ${tiles}×${tiles} test scenes side by side`);
    expect(await page.getByTestId("segmentation-iou").locator(".iou-name").allTextContents()).toEqual(names);
    expect(await text(page, "segmentation-mean-iou")).toMatch(/^(–|[0-9.e-]+)$/);
    await page.locator(".run-probes").screenshot({ path: join(SHOTS, "views-segmentation-96.png") });

    // Back to the test set: its own side again.
    await page.getByTestId("segmentation-size").selectOption("0");
    await expect.poll(() => canvas.getAttribute("data-side"), { timeout: 60_000 }).toBe(String(trained));
    await pause(page);
  }, 150_000);

  test("normalization-axes: bn's Normalization table settles the batch grouping; ln, clicked, settles each sample", async () => {
    const page = await openLesson("normalization-axes");
    await expect.poll(() => page.getByTestId("node-bn").getAttribute("class"), { timeout: 10_000 }).toContain("selected");
    await page.getByTestId("panel-normalization").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("panel-activations").getAttribute("data-state")).toBe("closed");
    await play(page);
    await ready(page, "panel-normalization");
    expect(await page.getByTestId("panel-normalization").isVisible()).toBe(true);
    const table = page.getByTestId("normalization-table");
    await table.waitFor({ timeout: 10_000 });
    const settledRows = () => table.locator('tr[data-settled="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-grouping")));
    expect(await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-grouping")))).toEqual(["batch", "layer", "instance"]);
    expect(await settledRows()).toContain("batch");
    expect(await page.getByTestId("normalization-row-batch").textContent()).toContain("✓");
    // Its own grouping first; others the data happen to leave settled follow it.
    expect(await text(page, "normalization-caption")).toMatch(/^batchnorm sets mean 0 and spread 1 per channel, over the batch and the pixels(;|$)/);
    await page.getByTestId("panel-normalization").screenshot({ path: join(SHOTS, "views-normalization-bn.png") });

    // Another norm clicked on the canvas: the view follows it and shows its grouping settled.
    await page.getByTestId("node-ln").click();
    await expect.poll(() => page.getByTestId("node-ln").getAttribute("class"), { timeout: 10_000 }).toContain("selected");
    await expect.poll(() => text(page, "normalization-caption"), { timeout: 60_000 }).toMatch(/^layernorm sets mean 0 and spread 1 per sample, over all its values/);
    expect(await settledRows()).toContain("layer");
    expect(await page.getByTestId("normalization-row-layer").getAttribute("data-settled")).toBe("true");
    await page.getByTestId("panel-normalization").screenshot({ path: join(SHOTS, "views-normalization-ln.png") });
    await pause(page);
  }, 150_000);
});
