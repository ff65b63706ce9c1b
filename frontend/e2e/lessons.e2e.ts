// Every lesson of GET /api/presets in real Chromium at 1280x720, in the lessons menu's order:
// loaded from that menu, its card says its concept and its four parts as the API has them, it
// trains for a moment and the panels it names draw; a comparison lesson's runs are stopped from here. The next-lesson button
// follows the lecture's order; the card folds (at first in presentation mode, where its text is
// larger); it leaves the canvas its room. Screenshots: frontend/test-output/lessons-*.png.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { drawn } from "./pixels";
import { allRuns, pausePageRun, rest, runIdInUrl, withoutRuns } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();
const api = rest(baseUrl);

interface Lesson {
  name: string;
  title: string;
  doc: string;
  runs?: unknown[] | null;
  lesson: { concept: string; group: string; order: number; panels: string[]; card: { do: string; watch: string; takeaway: string; question: string } };
}

withoutRuns(api);

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

/** The API's presets in the lecture's order (lesson.order, then title), as the menu should list them. */
async function lessons(): Promise<Lesson[]> {
  const presets = await api<Lesson[]>("GET", "/api/presets");
  return presets.sort((a, b) => a.lesson.order - b.lesson.order || a.title.localeCompare(b.title));
}

async function open(): Promise<Page> {
  const page = await suite.open(`${baseUrl}/`, { width: 1280, height: 720 });
  await expect.poll(() => page.getByTestId("lesson-select").locator("option").count(), { timeout: 15_000 }).toBeGreaterThan(1);
  return page;
}

/** Load a lesson from the lessons menu; its card says which, and the server has checked its network. */
async function load(page: Page, lesson: Lesson): Promise<void> {
  await page.getByTestId("lesson-select").selectOption(lesson.name);
  await expect.poll(() => page.getByTestId("lesson-card").getAttribute("data-lesson"), { timeout: 10_000 }).toBe(lesson.name);
  await expect.poll(() => text(page, "shape-out"), { timeout: 15_000 }).not.toBe("?");
}

async function cardSays(page: Page, lesson: Lesson): Promise<void> {
  expect(await text(page, "lesson-concept")).toBe(lesson.lesson.concept);
  expect(await text(page, "demo-title")).toBe(lesson.title);
  expect(await text(page, "demo-doc")).toBe(lesson.doc);
  const card = lesson.lesson.card;
  for (const [testId, want] of [
    ["lesson-do", card.do],
    ["lesson-watch", card.watch],
    ["lesson-takeaway", card.takeaway],
    ["lesson-question", card.question],
  ] as const) {
    expect(await text(page, testId), testId).toBe(want);
    expect(await page.getByTestId(testId).isVisible(), testId).toBe(true);
  }
  const labels = await page.getByTestId("lesson-card").locator("dt").allTextContents();
  expect(labels).toEqual(["Do", "Watch", "Takeaway", "Ask the class"]);
}

/** The card and the canvas whole on screen, the canvas left room to show the network. */
async function fits(page: Page): Promise<void> {
  const card = await page.getByTestId("lesson-card").boundingBox();
  const canvas = await page.getByTestId("canvas").boundingBox();
  if (!card || !canvas) throw new Error("no card or no canvas");
  expect(card.y + card.height).toBeLessThanOrEqual(canvas.y + 1);
  expect(canvas.y + canvas.height).toBeLessThanOrEqual(721);
  expect(canvas.height, "canvas height").toBeGreaterThan(180);
}

const step = async (page: Page): Promise<number> => Number(await text(page, "step-count"));

/**
 * The panels the lesson opens have drawn: its first run-wide topic and its first node topic (the
 * page opens one of each; the card tells where the others are). A view's testid: panel-<probe>.
 */
async function panelsDraw(page: Page, lesson: Lesson): Promise<void> {
  const panels = lesson.lesson.panels;
  const opened = [panels.find((t) => !t.includes(":")), panels.find((t) => t.includes(":"))];
  for (const topic of opened.filter((t): t is string => t !== undefined)) {
    const testId = `panel-${(topic.split(":")[0] ?? topic).replace(/_/g, "-")}`;
    const where = `${lesson.name}: ${topic}`;
    await expect.poll(() => page.getByTestId(testId).first().isVisible(), { timeout: 30_000, message: where }).toBe(true);
    await expect.poll(() => drawn(page, testId), { timeout: 30_000, message: where }).toBeGreaterThan(0);
  }
}

describe("the lessons", () => {
  test("1. every lesson in the lecture's order: the menu lists it, its card says it, it trains, its panels draw", async () => {
    const page = await open();
    const all = await lessons();
    expect(all.length).toBeGreaterThan(1);

    // The menu: grouped by the lecture's parts, in the order of their first lesson, each labelled place, concept, title.
    const menu = page.getByTestId("lesson-select");
    const groups = [...new Set(all.map((l) => l.lesson.group))];
    expect(await menu.locator("optgroup").evaluateAll((els) => els.map((el) => el.getAttribute("label")))).toEqual(groups);
    expect(await menu.locator("optgroup option").evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value))).toEqual(all.map((l) => l.name));
    expect(await menu.locator("optgroup option").allTextContents()).toEqual(all.map((l) => `${l.lesson.order}. ${l.lesson.concept}: ${l.title}`));

    for (const [i, lesson] of all.entries()) {
      const before = new Set((await allRuns(api)).map((r) => r.id));
      await load(page, lesson);
      const comparison = (lesson.runs?.length ?? 0) > 1;
      const fresh = async () => (await allRuns(api)).filter((r) => !before.has(r.id));
      if (comparison) {
        // All its runs train as it loads; a run-wide view it names opens for each run side by
        // side (the landscapes under their own ids), which folds the card to give them room.
        // Each run is checked and created in turn; the first lesson's wait while a loaded CI
        // machine also starts the worker.
        await expect.poll(async () => (await fresh()).length, { timeout: 60_000 }).toBe(lesson.runs?.length);
        const view = lesson.lesson.panels.find((topic) => !topic.includes(":"));
        if (view) await page.getByTestId(view === "loss_landscape" ? "landscape-pair" : "probe-pair").waitFor({ timeout: 30_000 });
        const toggle = page.getByTestId("lesson-card-toggle");
        if ((await toggle.getAttribute("aria-expanded")) === "false") await toggle.click();
      }
      await cardSays(page, lesson);
      await fits(page);
      expect(await menu.inputValue()).toBe(lesson.name);
      expect(await page.getByTestId("lesson-next").isDisabled(), `next after ${lesson.name}`).toBe(i === all.length - 1);
      if (i === 0) await page.screenshot({ path: join(SHOTS, "lessons-card.png") });

      if (comparison) {
        await expect.poll(() => step(page), { timeout: 30_000 }).toBeGreaterThan(0);
        await panelsDraw(page, lesson);
        // No longer compared, the page leaves the others be: stopped from here, where a run that
        // finishes just as it is stopped (a 409) is no console error. The page's own run is
        // the page's to stop (it stops it on the next load), paused here: through the API, which
        // answers a run that has just completed with the run, where the page's pause button would
        // already be disabled.
        await page.getByTestId("compare-clear").click();
        const own = runIdInUrl(page);
        for (const run of await fresh()) if (run.id !== own) await api("POST", `/api/runs/${run.id}/stop`).catch(() => undefined);
        if (own) await api("POST", `/api/runs/${own}/pause`);
        await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).not.toContain("running");
      } else {
        await page.getByTestId("btn-play").click();
        await expect.poll(() => step(page), { timeout: 30_000 }).toBeGreaterThan(0);
        await panelsDraw(page, lesson);
        // Through the API, as for a comparison: a short lesson's run may have completed while its
        // panels were looked at, and the page's pause button is then disabled.
        await pausePageRun(page, api);
      }
    }
  }, 900_000);

  test("2. next lesson loads the second from the first; the card folds to a line and back", async () => {
    const page = await open();
    const [first, second] = await lessons();
    if (!first || !second) throw new Error("fewer than two lessons");
    await load(page, first);
    await page.getByTestId("lesson-next").click();
    await expect.poll(() => page.getByTestId("lesson-card").getAttribute("data-lesson"), { timeout: 10_000 }).toBe(second.name);
    await cardSays(page, second);
    expect(await page.getByTestId("lesson-select").inputValue()).toBe(second.name);

    const open_ = (await page.getByTestId("canvas").boundingBox())?.height ?? 0;
    await page.getByTestId("lesson-card-toggle").click();
    expect(await page.getByTestId("lesson-card-toggle").getAttribute("aria-expanded")).toBe("false");
    expect(await page.getByTestId("lesson-do").count()).toBe(0);
    // Folded, the canvas has more room; the title stays.
    await expect.poll(async () => (await page.getByTestId("canvas").boundingBox())?.height ?? 0).toBeGreaterThan(open_);
    expect(await text(page, "demo-title")).toBe(second.title);
    await page.getByTestId("lesson-card-toggle").click();
    await cardSays(page, second);
  });

  test("3. in presentation mode the card's text is larger, and card and canvas fit 1280x720", async () => {
    const page = await open();
    const digits = (await lessons()).find((l) => l.name === "digits-cnn");
    if (!digits) throw new Error("the server has no digits-cnn lesson");
    await load(page, digits);
    const size = () => page.getByTestId("lesson-do").evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    const plain = await size();
    const title = () => page.getByTestId("demo-title").evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    const plainTitle = await title();
    await page.getByTestId("btn-large-font").click();
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains("presentation"))).toBe(true);
    // Folded at first in the mode, the canvas keeping its room; unfolded, the parts at the larger text.
    expect(await page.getByTestId("lesson-do").count()).toBe(0);
    expect(await title()).toBeGreaterThan(plainTitle * 1.15);
    await fits(page);
    await page.getByTestId("lesson-card-toggle").click();
    expect(await size()).toBeGreaterThan(plain * 1.15);
    await cardSays(page, digits);
    await fits(page);
    await page.screenshot({ path: join(SHOTS, "lessons-card-presentation.png") });
    await page.getByTestId("btn-large-font").click();
  });
});
