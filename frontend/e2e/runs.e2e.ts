// The page's runs in real Chromium against the real server: a reload finds its run
// again, the runs list stops, opens and deletes runs, invalid settings block Play with
// the reason, the speed control reaches the run, and a finished run can be inspected.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { painted } from "./pixels";
import { allRuns, LINEAR_CLASSIFIER, rest, runIdInUrl, type RunSummary, withoutRuns } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

interface RunRead extends RunSummary {
  config: { training: { lr: number; max_steps: number; max_steps_per_s: number } };
}

const ACTIVE = ["queued", "running", "paused"];

const api = rest(baseUrl);

const activeRuns = async () => (await allRuns(api)).filter((r) => ACTIVE.includes(r.status));
const readRun = (id: string) => api<RunRead>("GET", `/api/runs/${id}`);

/** A run made elsewhere (a script, an earlier page), training slowly so that it costs little. */
async function leftOver(name: string): Promise<string> {
  const run = await api<RunSummary>("POST", "/api/runs", {
    name,
    network: LINEAR_CLASSIFIER,
    dataset: { name: "circle", params: {} },
    training: { max_steps: 1_000_000, max_steps_per_s: 20 },
  });
  await api("POST", `/api/runs/${run.id}/start`);
  return run.id;
}

// Each test starts from a server without runs, so that counts are its own.
withoutRuns(api);

function open(path = "/"): Promise<Page> {
  return suite.open(`${baseUrl}${path}`);
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";
const number = async (page: Page, testId: string): Promise<number> => Number(await text(page, testId));
const points = async (page: Page): Promise<number> => Number(await page.getByTestId("chart-loss").getAttribute("data-points"));
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `runs-${name}.png`) });

async function playUntilRunning(page: Page): Promise<string> {
  await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
  await page.getByTestId("btn-play").click();
  await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("running");
  await expect.poll(() => runIdInUrl(page), { timeout: 5_000 }).not.toBeNull();
  return runIdInUrl(page) as string;
}

describe("the page's runs", () => {
  test("1. a reload mid-run watches the same run again: status, curves, controls; the server has one active run", async () => {
    const page = await open();
    await page.getByTestId("max-steps-input").fill("100000");
    await page.getByTestId("speed-200").click(); // enough to see it train, little for a shared machine
    const id = await playUntilRunning(page);
    await expect.poll(() => number(page, "step-count"), { timeout: 30_000 }).toBeGreaterThan(20);
    await expect.poll(() => points(page), { timeout: 15_000 }).toBeGreaterThan(2);
    const before = await number(page, "step-count");

    await page.reload();
    await page.getByTestId("palette-linear").waitFor();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("running");
    expect(runIdInUrl(page)).toBe(id);
    // The curves come back from the stream's history, and the run goes on.
    await expect.poll(() => points(page), { timeout: 15_000 }).toBeGreaterThan(2);
    await expect.poll(() => number(page, "step-count"), { timeout: 15_000 }).toBeGreaterThan(before);
    expect(await page.getByTestId("btn-pause").isDisabled()).toBe(false);
    expect(await page.getByTestId("btn-play").isDisabled()).toBe(true);
    expect((await activeRuns()).map((r) => r.id)).toEqual([id]);
    await shot(page, "reload");

    // Paused, reloaded, played: the same run resumes; still one run in all.
    await page.getByTestId("btn-pause").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("paused");
    await page.reload();
    await page.getByTestId("palette-linear").waitFor();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("paused");
    await page.getByTestId("btn-play").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("running");
    expect((await allRuns(api)).map((r) => [r.id, r.status])).toEqual([[id, "running"]]);

    await page.getByTestId("btn-reset").click();
    await expect.poll(() => text(page, "run-status")).toContain("idle");
    await expect.poll(() => runIdInUrl(page)).toBeNull();
    expect(await activeRuns()).toEqual([]);
  });

  test("2. a link to a run the server no longer has opens a fresh page, without a word", async () => {
    const page = await open("/?run=0123456789ab");
    await expect.poll(() => runIdInUrl(page), { timeout: 10_000 }).toBeNull();
    expect(await text(page, "run-status")).toContain("idle");
    expect(await page.getByTestId("run-error").count()).toBe(0);
    // The browser itself logs the 404 of the look-up; nothing else may be an error.
    if (suite.current) suite.current.errors = suite.current.errors.filter((e) => !/status of 404/.test(e));
  });

  test("3. the runs list shows the server's runs; it stops, deletes and opens them", async () => {
    const a = await leftOver("left-a");
    const b = await leftOver("left-b");
    const page = await open();
    await page.getByTestId("runs-list-toggle").click();
    const row = (id: string) => page.getByTestId(`runs-list-row-${id}`);
    await expect.poll(() => row(a).getAttribute("data-status"), { timeout: 15_000 }).toBe("running");
    await expect.poll(() => row(b).getAttribute("data-status"), { timeout: 15_000 }).toBe("running");
    expect(await row(a).textContent()).toContain("left-a");
    await expect.poll(async () => (await row(b).textContent()) ?? "", { timeout: 10_000 }).toMatch(/step [1-9]\d*/);
    expect(await text(page, "runs-list-total")).toBe("1–2 of 2");
    await shot(page, "list");

    await page.getByTestId(`runs-list-stop-${a}`).click();
    await expect.poll(() => row(a).getAttribute("data-status"), { timeout: 15_000 }).toBe("stopped");
    expect(await page.getByTestId(`runs-list-stop-${a}`).isDisabled()).toBe(true);

    await page.getByTestId(`runs-list-delete-${b}`).click();
    await expect.poll(() => row(b).count(), { timeout: 10_000 }).toBe(0);
    expect((await allRuns(api)).map((r) => r.id)).toEqual([a]);

    // Open: the page watches that run, with its setup; the URL names it.
    await page.getByTestId(`runs-list-open-${a}`).click();
    await expect.poll(() => text(page, "run-status"), { timeout: 10_000 }).toContain("stopped");
    expect(runIdInUrl(page)).toBe(a);
    await expect.poll(async () => (await row(a).textContent()) ?? "").toContain("this page");
    await page.getByTestId("node-fc").waitFor();
    expect(await page.locator(".react-flow__node").count()).toBe(3);

    // Deleting the page's own run forgets it.
    await page.getByTestId(`runs-list-delete-${a}`).click();
    await expect.poll(() => text(page, "run-status"), { timeout: 10_000 }).toContain("idle");
    await expect.poll(() => text(page, "runs-list-total"), { timeout: 10_000 }).toBe("no runs");
    expect(runIdInUrl(page)).toBeNull();
    expect(await allRuns(api)).toEqual([]);
  });

  test("4. a learning rate of 50 for SGD blocks Play with the reason; a change the run refuses shows the value it kept", async () => {
    const page = await open();
    await page.getByTestId("optimizer-select").selectOption("sgd");
    await page.getByTestId("lr-input").fill("50");
    const reason = page.getByTestId("play-blocked-reason");
    await expect.poll(() => reason.textContent(), { timeout: 5_000 }).toContain("Play is blocked");
    expect(await reason.textContent()).toContain("learning rate must be a number above 0 and at most 10 (it reads “50”)");
    expect(await page.getByTestId("btn-play").isDisabled()).toBe(true);
    expect(await page.getByTestId("btn-step").isDisabled()).toBe(true);
    await shot(page, "blocked");
    // Nor does the keyboard start it.
    await page.getByTestId("canvas").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(" ");
    await page.waitForTimeout(500);
    expect(await allRuns(api)).toEqual([]);

    await page.getByTestId("lr-input").fill("0.1");
    await expect.poll(() => reason.count()).toBe(0);
    expect(await page.getByTestId("btn-play").isDisabled()).toBe(false);

    // More steps than the server allows (the page's own bound is looser): refused live, said by the field.
    await page.getByTestId("max-steps-input").fill("100000");
    await page.getByTestId("speed-200").click();
    const id = await playUntilRunning(page);
    expect((await readRun(id)).config.training.lr).toBe(0.1);
    await page.getByTestId("max-steps-input").fill("2000000");
    await expect.poll(() => page.getByTestId("max-steps-refused").count(), { timeout: 10_000 }).toBe(1);
    // The browser itself logs the refused PATCH; nothing else may be an error.
    if (suite.current) suite.current.errors = suite.current.errors.filter((e) => !/status of 422/.test(e));
    expect(await text(page, "max-steps-refused")).toContain("keeps 100000: at most 1000000");
    expect(await page.getByTestId("max-steps-input").inputValue()).toBe("100000");
    expect((await readRun(id)).config.training.max_steps).toBe(100000);
    await page.getByTestId("max-steps-refused").scrollIntoViewIfNeeded();
    await shot(page, "refused");
    await page.getByTestId("btn-reset").click();
    await expect.poll(() => text(page, "run-status")).toContain("idle");
  });

  test("5. the speed control goes with the new run and changes the running one", async () => {
    const page = await open();
    await page.getByTestId("max-steps-input").fill("100000");
    const control = page.getByTestId("speed-control");
    expect(await control.getAttribute("data-value")).toBe("0");
    await page.getByTestId("speed-50").click();
    expect(await control.getAttribute("data-value")).toBe("50");
    const id = await playUntilRunning(page);
    expect((await readRun(id)).config.training.max_steps_per_s).toBe(50);
    // The server keeps the pace: about 50 steps a second, far from full speed.
    await expect.poll(() => number(page, "step-count"), { timeout: 20_000 }).toBeGreaterThan(10);
    const [s0, t0] = [await number(page, "step-count"), Date.now()];
    await page.waitForTimeout(3000);
    const rate = ((await number(page, "step-count")) - s0) / ((Date.now() - t0) / 1000);
    expect(rate).toBeLessThan(90);
    await shot(page, "speed");

    await page.getByTestId("speed-200").click();
    await expect.poll(async () => (await readRun(id)).config.training.max_steps_per_s, { timeout: 10_000 }).toBe(200);
    await page.getByTestId("speed-0").click();
    await expect.poll(async () => (await readRun(id)).config.training.max_steps_per_s, { timeout: 10_000 }).toBe(0);
    await page.getByTestId("btn-reset").click();
    await expect.poll(() => text(page, "run-status")).toContain("idle");
  });

  test("6. a completed run's feature maps draw from its final weights, after a reload too", async () => {
    const page = await open();
    await expect.poll(() => page.getByTestId("preset-select").locator("option").count()).toBeGreaterThan(1);
    await page.getByTestId("preset-select").selectOption("digits-cnn");
    await expect.poll(() => page.getByTestId("dataset-select").inputValue()).toBe("digits");
    await page.getByTestId("max-steps-input").fill("30");
    await expect.poll(() => text(page, "shape-c1"), { timeout: 10_000 }).toBe("[16, 8, 8]");
    await page.getByTestId("btn-play").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 60_000 }).toContain("completed");
    // A view shown while it trained is drawn again from the final weights.
    const confusion = page.getByTestId("panel-confusion");
    await expect.poll(() => confusion.getAttribute("data-step"), { timeout: 30_000 }).toBe("30");

    await page.getByTestId("node-c1").click();
    const panel = page.getByTestId("panel-feature-maps");
    await expect.poll(() => panel.getAttribute("data-state"), { timeout: 30_000 }).toBe("ready");
    await expect.poll(() => painted(page, "feature-maps-canvas"), { timeout: 5_000 }).toBeGreaterThan(50);
    expect(Number(await panel.getAttribute("data-step"))).toBe(30);
    expect(await text(page, "panel-feature-maps-rate")).toBe("the weights at step 30");
    await shot(page, "final");

    await page.reload();
    await page.getByTestId("palette-linear").waitFor();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("completed");
    await page.getByTestId("node-c1").click();
    await expect.poll(() => panel.getAttribute("data-state"), { timeout: 30_000 }).toBe("ready");
    await expect.poll(() => painted(page, "feature-maps-canvas"), { timeout: 5_000 }).toBeGreaterThan(50);
  });
});
