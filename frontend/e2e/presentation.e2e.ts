// Presentation mode, the demo card and the help, in real Chromium at a projector's 1280x720:
// larger canvas nodes and chart text, every panel on screen (or scrolling inside its own
// container), the loaded demo said on the page and marked in the menu, the guide beside the
// shortcuts. Screenshots go to frontend/test-output/presentation-*.png.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { pausePageRun, rest } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const api = rest(baseUrl);
const suite = browserSuite();

interface PresetEntry {
  name: string;
  title: string;
  doc: string;
}

async function open(): Promise<Page> {
  const page = await suite.open(`${baseUrl}/`, { width: 1280, height: 720 });
  await expect.poll(() => page.getByTestId("preset-select").locator("option").count(), { timeout: 15_000 }).toBeGreaterThan(1);
  return page;
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

async function presets(): Promise<PresetEntry[]> {
  return (await (await fetch(`${baseUrl}/api/presets`)).json()) as PresetEntry[];
}

/** Load a demo from the menu and wait until the server has checked it (shapes on the nodes). */
async function loadDemo(page: Page, name: string): Promise<void> {
  await page.getByTestId("preset-select").selectOption(name);
  await expect.poll(() => page.getByTestId("demo-card").getAttribute("data-demo"), { timeout: 10_000 }).toBe(name);
  await expect.poll(() => text(page, "shape-out"), { timeout: 15_000 }).not.toBe("?");
}

async function setPresentation(page: Page, on: boolean): Promise<void> {
  const toggle = page.getByTestId("btn-large-font");
  if ((await toggle.getAttribute("aria-pressed")) !== String(on)) await toggle.click();
  await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains("presentation"))).toBe(on);
}

/** The drawn height of the input node's type label once the canvas stopped fitting (zoom included). */
async function nodeText(page: Page): Promise<number> {
  const label = page.getByTestId("node-in").locator(".node-type");
  let last = Number.NaN;
  await expect
    .poll(async () => {
      const now = (await label.boundingBox())?.height ?? Number.NaN;
      const same = Math.abs(now - last) < 0.01;
      last = now;
      return same;
    }, { timeout: 10_000, interval: 400 })
    .toBe(true);
  return last;
}

/** The loss chart's step-tick font size and its first trace's line width, as Plotly drew them. */
async function chartLook(page: Page): Promise<{ font: number; line: number }> {
  await page.getByTestId("chart-loss").locator(".xtick text").first().waitFor();
  return page.getByTestId("chart-loss").evaluate((chart) => {
    const tick = chart.querySelector(".xtick text");
    const plot = chart.querySelector<Element & { data?: { line?: { width?: number } }[] }>(".js-plotly-plot");
    return {
      font: tick ? Number.parseFloat(getComputedStyle(tick).fontSize) : Number.NaN,
      line: plot?.data?.[0]?.line?.width ?? Number.NaN,
    };
  });
}

/**
 * Every panel, chart and the canvas on screen, or inside a container that scrolls and is itself on
 * screen; the page does not scroll; every toolbar control on screen; no scrolling container hides
 * anything sideways; every node of the network lies inside the canvas. Returns what is wrong (an
 * empty list when nothing is).
 */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const screen = { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight };
    const inside = (r: DOMRect, box: { left: number; top: number; right: number; bottom: number }): boolean =>
      r.left >= box.left - 1 && r.top >= box.top - 1 && r.right <= box.right + 1 && r.bottom <= box.bottom + 1;
    const scrolls = (el: Element): boolean => {
      const style = getComputedStyle(el);
      return /(auto|scroll)/.test(`${style.overflowX} ${style.overflowY}`);
    };
    const page = document.scrollingElement;
    if (page && (page.scrollHeight > window.innerHeight + 1 || page.scrollWidth > window.innerWidth + 1)) {
      problems.push(`the page scrolls: ${page.scrollWidth}x${page.scrollHeight}`);
    }
    const hooks = ["canvas", "chart-loss", "chart-accuracy", "demo-card", "spec-errors", "run-status", "btn-play", "btn-reset"];
    const shown = [...document.querySelectorAll("[data-testid]")].filter((el) => {
      const id = el.getAttribute("data-testid") ?? "";
      return (id.startsWith("panel-") || hooks.includes(id)) && el.getClientRects().length > 0;
    });
    for (const el of shown) {
      const id = el.getAttribute("data-testid");
      const r = el.getBoundingClientRect();
      if (inside(r, screen)) continue;
      let container = el.parentElement;
      while (container && !scrolls(container)) container = container.parentElement;
      if (!container || container === document.documentElement || container === document.body) {
        problems.push(`${id} is cut off: ${JSON.stringify(r)}`);
      } else if (!inside(container.getBoundingClientRect(), screen)) {
        problems.push(`${id} scrolls inside ${container.className}, which is itself off screen`);
      }
    }
    for (const control of document.querySelectorAll(".toolbar button, .toolbar select")) {
      if (!inside(control.getBoundingClientRect(), screen)) problems.push(`the toolbar's ${control.textContent ?? "control"} is cut off`);
    }
    for (const el of document.querySelectorAll(".palette, .side, .run-probes, .spec-errors")) {
      if (el.scrollWidth > el.clientWidth + 1) problems.push(`${el.className} hides ${el.scrollWidth - el.clientWidth} px sideways`);
    }
    const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    for (const node of document.querySelectorAll('.react-flow__node [data-testid^="node-"]')) {
      if (canvas && !inside(node.getBoundingClientRect(), canvas)) problems.push(`${node.getAttribute("data-testid")} is outside the canvas`);
    }
    return problems;
  });
}

/** The charts and the run's views must be whole on screen, not only reachable by scrolling. */
async function wholeOnScreen(page: Page, testId: string): Promise<void> {
  const box = await page.getByTestId(testId).boundingBox();
  expect(box, testId).not.toBeNull();
  if (!box) return;
  expect(box.x, `${testId} left`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${testId} top`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${testId} right`).toBeLessThanOrEqual(1281);
  expect(box.y + box.height, `${testId} bottom`).toBeLessThanOrEqual(721);
}

async function probeReady(page: Page, panel: string): Promise<void> {
  await expect.poll(() => page.getByTestId(panel).getAttribute("data-state"), { timeout: 45_000 }).toBe("ready");
}

describe("presentation mode at 1280x720", () => {
  test("1. the demo card says the loaded demo's title and lesson, the menu marks it; an edit says changed; start over", async () => {
    const page = await open();
    expect(await page.getByTestId("demo-card").count()).toBe(0);
    const digits = (await presets()).find((p) => p.name === "digits-cnn");
    if (!digits) throw new Error("the server has no digits-cnn demo");

    await loadDemo(page, "digits-cnn");
    expect(await text(page, "demo-title")).toBe(digits.title);
    expect(await text(page, "demo-doc")).toBe(digits.doc);
    expect(await page.getByTestId("demo-card").getAttribute("data-modified")).toBe("false");
    // The card says it: no toast over the page.
    expect(await page.getByTestId("notice").count()).toBe(0);
    const menu = page.getByTestId("preset-select");
    expect(await menu.inputValue()).toBe("digits-cnn");
    const marked = menu.locator("option[data-loaded]");
    expect(await marked.count()).toBe(1);
    expect(await marked.getAttribute("value")).toBe("digits-cnn");
    expect(await marked.textContent()).toBe(`✓ ${digits.title}`);

    // An edit of the network: the card stays and says so, and so does the menu.
    await page.getByTestId("node-c1").click();
    await page.getByTestId("param-out_channels").fill("8");
    await expect.poll(() => page.getByTestId("demo-card").getAttribute("data-modified")).toBe("true");
    expect(await text(page, "demo-card")).toContain("changed since loaded");
    expect(await marked.textContent()).toBe(`✓ ${digits.title} (changed)`);
    await page.getByTestId("demo-restart").click();
    await expect.poll(() => page.getByTestId("demo-card").getAttribute("data-modified")).toBe("false");
    await expect.poll(() => text(page, "shape-c1"), { timeout: 15_000 }).toBe("[16, 8, 8]");

    // A toast (a file that cannot be read) floats over the canvas's foot, over no chart or panel, and can be dismissed.
    await page.getByTestId("import-file").setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from("{") });
    const notice = page.getByTestId("notice");
    await expect.poll(() => text(page, "notice")).toContain("Cannot import broken.json");
    const toast = await notice.boundingBox();
    const canvas = await page.getByTestId("canvas").boundingBox();
    if (!toast || !canvas) throw new Error("no toast or no canvas");
    expect(toast.y).toBeGreaterThanOrEqual(canvas.y);
    expect(toast.y + toast.height).toBeLessThanOrEqual(canvas.y + canvas.height);
    for (const testId of ["chart-loss", "chart-accuracy", "panel-confusion", "spec-errors"]) {
      const box = await page.getByTestId(testId).boundingBox();
      if (!box) continue;
      const overlaps = toast.x < box.x + box.width && box.x < toast.x + toast.width && toast.y < box.y + box.height && box.y < toast.y + toast.height;
      expect(overlaps, `the toast covers ${testId}`).toBe(false);
    }
    await notice.getByRole("button", { name: "Dismiss" }).click();
    expect(await notice.count()).toBe(0);
    // The import failed: the demo is still the one on the canvas.
    expect(await menu.inputValue()).toBe("digits-cnn");
  });

  test("2. digits CNN: larger nodes and chart text with the mode; trained, every panel fits the screen", async () => {
    const page = await open();
    await loadDemo(page, "digits-cnn");
    const plain = { node: await nodeText(page), chart: await chartLook(page) };
    await page.screenshot({ path: join(SHOTS, "presentation-off-digits.png") });

    await setPresentation(page, true);
    const shown = { node: await nodeText(page), chart: await chartLook(page) };
    expect(shown.node, "canvas node text").toBeGreaterThan(plain.node * 1.05);
    expect(shown.chart.font, "chart tick font").toBeGreaterThan(plain.chart.font);
    expect(shown.chart.line, "chart line width").toBeGreaterThan(plain.chart.line);
    expect(await layoutProblems(page)).toEqual([]);

    // Trained, with the first conv's views open in the side panel and the confusion matrix beside the curves.
    await page.getByTestId("btn-play").click();
    await page.getByTestId("node-c1").click();
    await probeReady(page, "panel-confusion");
    await probeReady(page, "panel-feature-maps");
    await expect
      .poll(async () => Number(await page.getByTestId("chart-loss").getAttribute("data-points")), { timeout: 15_000 })
      .toBeGreaterThan(3);
    await pausePageRun(page, api);
    expect(await layoutProblems(page)).toEqual([]);
    for (const testId of ["canvas", "chart-loss", "chart-accuracy", "confusion-canvas", "demo-card", "btn-play"]) {
      await wholeOnScreen(page, testId);
    }
    await page.screenshot({ path: join(SHOTS, "presentation-digits.png") });
    await page.getByTestId("btn-reset").click();
  });

  test("3. spiral, loaded in the mode: larger than without it; the decision boundary and every panel fit the screen", async () => {
    const page = await open();
    await setPresentation(page, true);
    await loadDemo(page, "spiral-mlp");
    const shown = { node: await nodeText(page), chart: await chartLook(page) };
    expect(await layoutProblems(page)).toEqual([]);
    await setPresentation(page, false);
    const plain = { node: await nodeText(page), chart: await chartLook(page) };
    expect(shown.node, "canvas node text").toBeGreaterThan(plain.node * 1.05);
    expect(shown.chart.font, "chart tick font").toBeGreaterThan(plain.chart.font);
    expect(await layoutProblems(page)).toEqual([]);
    await setPresentation(page, true);

    await page.getByTestId("btn-play").click();
    await probeReady(page, "panel-decision-boundary");
    // The hidden units' maps grow their nodes: the canvas keeps the whole network in view.
    await expect.poll(() => page.getByTestId("thumbs-a1").count(), { timeout: 20_000 }).toBe(1);
    await pausePageRun(page, api);
    await expect.poll(() => layoutProblems(page), { timeout: 5_000 }).toEqual([]);
    for (const testId of ["canvas", "chart-loss", "chart-accuracy", "boundary-canvas", "demo-card", "btn-play"]) {
      await wholeOnScreen(page, testId);
    }
    await page.screenshot({ path: join(SHOTS, "presentation-spiral.png") });
    await page.getByTestId("btn-reset").click();
  });

  test("4. ? and the Help button open the guide beside the shortcuts; Esc closes it and gives the focus back", async () => {
    const page = await open();
    await setPresentation(page, true);
    await page.keyboard.press("?");
    const guide = page.getByTestId("help-guide");
    await guide.waitFor();
    for (const part of ["Build", "Train", "Read the panels", "Decision boundary", "feature maps", "receptive field", "Confusion matrix", "Speed"]) {
      expect(await guide.textContent(), part).toContain(part);
    }
    expect(await page.getByTestId("help").textContent()).toContain("Keyboard shortcuts");
    const box = await page.getByTestId("help").boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 720).toBe(true);
    await page.screenshot({ path: join(SHOTS, "presentation-help.png") });
    await page.keyboard.press("Escape");
    expect(await guide.count()).toBe(0);

    await page.getByTestId("btn-help").click();
    await guide.waitFor();
    await page.keyboard.press("Escape");
    expect(await guide.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("btn-help");
  });
});
