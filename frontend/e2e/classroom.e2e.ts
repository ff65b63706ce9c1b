// The classroom in real Chromium against the real server, three people at three machines
// (three browser contexts, each with its own storage): the teacher starts a class and
// shows its code; two students open the join link and give their names; the teacher pushes
// a lesson (both students' canvases load it), locks the network (a palette drag adds
// nothing), hides a panel and shares the grid; the students press play; the teacher's grid
// lists both, their steps grow and their loss curves draw; the spotlight shows one
// student's name, network and curves; the results list both and download as CSV; a
// class-wide reset resets the students' pages; neither student's runs list shows the
// other's run; the teacher leaves and comes back from the toolbar.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, inject, test } from "vitest";
import { rest, runIdInUrl, type RunSummary } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";
const gridRow = (teacher: Page, name: string) => teacher.locator(`[data-testid="class-grid-row"][data-student="${name}"]`);
const gridStep = async (teacher: Page, name: string): Promise<number> => {
  const step = await gridRow(teacher, name).getByTestId("class-grid-step").getAttribute("data-step", { timeout: 1000 }).catch(() => null);
  return step === null || step === "" ? -1 : Number(step);
};

/** The teacher's token, as the page keeps it: to clean up the class's runs after the file. */
let teacherToken: string | null = null;

afterAll(async () => {
  if (teacherToken === null) return;
  // The class's runs would otherwise go on taking the worker's time from the other files' runs.
  const api = rest(baseUrl, teacherToken);
  for (const run of await api<RunSummary[]>("GET", "/api/runs?limit=1000")) {
    if (["queued", "running", "paused"].includes(run.status)) await api("POST", `/api/runs/${run.id}/stop`).catch(() => undefined);
    await api("DELETE", `/api/runs/${run.id}`).catch(() => undefined);
  }
});

async function joinAs(code: string, name: string): Promise<Page> {
  const page = await suite.openAnother(`${baseUrl}/?join=${code}`);
  await page.getByTestId("join-dialog").waitFor();
  await page.getByTestId("join-name").fill(name);
  await page.getByTestId("join-submit").click();
  await page.getByTestId("join-dialog").waitFor({ state: "detached" });
  return page;
}

/** The lesson the teacher pushes: one run (not a comparison), five nodes (the starter network has seven). */
const LESSON = "xor-hidden";
const canvasNodes = (page: Page) => page.getByTestId("canvas").locator(".react-flow__node").count();

async function play(page: Page): Promise<string> {
  await page.getByTestId("speed-200").click(); // enough to see it train, little for a shared machine
  await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
  await page.getByTestId("btn-play").click();
  await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("running");
  await expect.poll(() => runIdInUrl(page), { timeout: 5_000 }).not.toBeNull();
  return runIdInUrl(page) as string;
}

describe("the classroom", () => {
  test("a teacher starts a class, two students join by its code, follow the teacher's push and locks and train; the grid, spotlight and results follow them", async () => {
    const teacher = await suite.open(`${baseUrl}/`);
    await expect(teacher.getByTestId("class-panel").count()).resolves.toBe(0);
    await teacher.getByTestId("btn-class-new").click();
    await teacher.getByTestId("class-teacher-name").fill("Ms Kim");
    await teacher.getByTestId("class-new-submit").click();
    await teacher.getByTestId("class-panel").waitFor();

    const code = (await text(teacher, "class-code")).trim();
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    expect(await text(teacher, "class-link")).toBe(`${baseUrl}/?join=${code}`);
    // The test server is bound to 127.0.0.1: no address other machines reach, and the panel says so.
    await teacher.getByTestId("class-link-hint").waitFor();
    expect(await teacher.getByTestId("class-link-local").count()).toBe(0);
    expect(await text(teacher, "class-badge")).toContain(`Class ${code} · Ms Kim`);
    expect(await text(teacher, "class-badge")).toContain("teacher");
    expect(await text(teacher, "class-grid")).toContain("No one has joined yet");
    teacherToken = await teacher.evaluate(() => (JSON.parse(localStorage.getItem("layerlab.class") ?? "{}") as { token?: string }).token ?? null);
    expect(teacherToken).not.toBeNull();

    const ada = await joinAs(code, "Ada");
    expect(new URL(ada.url()).searchParams.get("join")).toBeNull();
    expect(await text(ada, "class-badge")).toContain(`Class ${code} · Ada`);
    expect(await text(ada, "class-badge")).toContain("student");
    await expect(ada.getByTestId("class-panel").count()).resolves.toBe(0);

    // A name taken in the class is refused in the server's words; another one is let in.
    const bo = await suite.openAnother(`${baseUrl}/?join=${code}`);
    await bo.getByTestId("join-name").fill("Ada");
    await bo.getByTestId("join-submit").click();
    await expect.poll(() => text(bo, "join-error"), { timeout: 5_000 }).toMatch(/\S/);
    // The browser logs the refused request; that one is expected.
    for (const other of suite.others) other.errors = other.errors.filter((e) => !/status of 409/.test(e));
    await bo.getByTestId("join-name").fill("Bo");
    await bo.getByTestId("join-submit").click();
    await bo.getByTestId("join-dialog").waitFor({ state: "detached" });
    expect(await text(bo, "class-badge")).toContain(`Class ${code} · Bo`);

    // Both are in the grid before they train.
    await expect.poll(() => teacher.getByTestId("class-grid-row").count(), { timeout: 10_000 }).toBe(2);
    expect(await text(teacher, "class-grid")).toContain("no run yet");

    // The teacher pushes a lesson: both students' pages load it (its card, its network) and say so.
    expect(await canvasNodes(ada)).toBe(7);
    await teacher.getByTestId("class-push-lesson").selectOption(LESSON);
    await teacher.getByTestId("btn-class-push-lesson").click();
    for (const page of [ada, bo]) {
      await expect.poll(() => page.getByTestId("lesson-card").getAttribute("data-lesson").catch(() => null), { timeout: 10_000 }).toBe(LESSON);
      await expect.poll(() => canvasNodes(page), { timeout: 5_000 }).toBe(5);
      expect(await text(page, "class-notice")).toContain("Your teacher pushed the lesson");
    }
    // The teacher's own page keeps its network.
    expect(await canvasNodes(teacher)).toBe(7);

    // The teacher locks the network: the students' palettes say so, their items cannot be dragged, a drag adds nothing.
    await teacher.getByTestId("class-lock-palette").check();
    for (const page of [ada, bo]) {
      await page.getByTestId("lock-note-palette").waitFor({ timeout: 10_000 });
      expect(await text(page, "lock-note-palette")).toContain("locked by your teacher");
      expect(await page.getByTestId("palette-linear").getAttribute("draggable")).toBe("false");
      expect(await page.getByTestId("palette-linear").getAttribute("data-locked")).toBe("true");
      expect(await page.getByTestId("canvas").getAttribute("data-locked")).toBe("true");
    }
    await ada.getByTestId("palette-linear").dragTo(ada.getByTestId("canvas"), { targetPosition: { x: 60, y: 60 } });
    // Disabled to assistive technology and Playwright alike (aria-disabled): forced, the double click adds nothing either.
    expect(await ada.getByTestId("palette-linear").isEnabled()).toBe(false);
    await ada.getByTestId("palette-linear").dblclick({ force: true });
    await ada.waitForTimeout(300);
    expect(await canvasNodes(ada)).toBe(5);
    // The teacher hides the decision boundary and shares the grid: the students' pages lose that view
    // (the teacher's keeps it) and offer the class's grid, read only.
    expect(await ada.getByTestId("panel-decision-boundary").count()).toBe(1);
    await teacher.getByTestId("class-hide").locator("summary").click();
    await teacher.getByTestId("class-hide-decision_boundary").check();
    await teacher.getByTestId("class-share-grid").check();
    for (const page of [ada, bo]) await expect.poll(() => page.getByTestId("panel-decision-boundary").count(), { timeout: 10_000 }).toBe(0);
    expect(await teacher.getByTestId("panel-decision-boundary").count()).toBe(1);
    await bo.getByTestId("class-shared-grid").locator("summary").click();
    await expect.poll(() => bo.getByTestId("class-grid-row").count(), { timeout: 10_000 }).toBe(2);
    expect(await bo.getByTestId("class-grid-spotlight").count()).toBe(0);

    // Training settings stay the students' own (not locked): each trains longer than the lesson says (the results show it).
    for (const page of [ada, bo]) await page.getByTestId("max-steps-input").fill("100000");

    const adaRun = await play(ada);
    const boRun = await play(bo);
    expect(adaRun).not.toBe(boRun);
    // The stream reaches each student's page (it carries the token).
    await expect.poll(async () => Number(await text(ada, "step-count")), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => Number(await text(bo, "step-count")), { timeout: 30_000 }).toBeGreaterThan(0);

    // The teacher's grid follows both runs: their steps grow.
    await expect.poll(() => gridStep(teacher, "Ada"), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => gridStep(teacher, "Bo"), { timeout: 20_000 }).toBeGreaterThan(0);
    const adaBefore = await gridStep(teacher, "Ada");
    const boBefore = await gridStep(teacher, "Bo");
    await expect.poll(() => gridStep(teacher, "Ada"), { timeout: 20_000 }).toBeGreaterThan(adaBefore);
    await expect.poll(() => gridStep(teacher, "Bo"), { timeout: 20_000 }).toBeGreaterThan(boBefore);
    expect(await gridRow(teacher, "Ada").getAttribute("data-status")).toBe("running");
    // Each row draws its run's loss curve.
    for (const name of ["Ada", "Bo"]) {
      await expect
        .poll(async () => Number((await gridRow(teacher, name).getByTestId("class-grid-loss").getAttribute("data-points")) ?? 0), { timeout: 20_000 })
        .toBeGreaterThan(1);
      expect(await gridRow(teacher, name).getByTestId("class-grid-loss").locator("polyline").count()).toBe(1);
    }

    // The spotlight: Ada's name, her network drawn and her curves, full screen; Escape ends it.
    await gridRow(teacher, "Ada").getByTestId("class-grid-spotlight").click();
    await teacher.getByTestId("spotlight").waitFor({ timeout: 5_000 });
    expect(await teacher.getByTestId("spotlight").getAttribute("data-run")).toBe(adaRun);
    await expect.poll(() => text(teacher, "spotlight-name"), { timeout: 5_000 }).toBe("Ada");
    await expect.poll(() => teacher.getByTestId("spotlight-network").getAttribute("data-nodes"), { timeout: 10_000 }).toBe("5");
    await expect.poll(async () => Number(await teacher.getByTestId("spotlight-loss").getAttribute("data-points")), { timeout: 10_000 }).toBeGreaterThan(1);
    expect(await teacher.getByTestId("spotlight-loss").locator("polyline").count()).toBeGreaterThan(0);
    await teacher.screenshot({ path: join(SHOTS, "classroom-spotlight.png") });
    await teacher.keyboard.press("Escape");
    await teacher.getByTestId("spotlight").waitFor({ state: "detached", timeout: 5_000 });

    // Sorting: by name A to Z first, then Z to A on a second click.
    const order = () => teacher.locator('[data-testid="class-grid-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-student")));
    expect(await order()).toEqual(["Ada", "Bo"]);
    await teacher.getByTestId("class-grid-sort-name").click();
    expect(await order()).toEqual(["Bo", "Ada"]);
    await teacher.getByTestId("class-grid-sort-step").click();
    await expect.poll(() => teacher.getByTestId("class-grid").getAttribute("data-sort")).toBe("step");
    await teacher.screenshot({ path: join(SHOTS, "classroom-teacher.png") });

    // The results: one row per student (what they changed, final metrics), and the same as a CSV file.
    await teacher.getByTestId("btn-class-results").click();
    await expect.poll(() => teacher.getByTestId("class-results-row").count(), { timeout: 10_000 }).toBe(2);
    const students = await teacher.locator('[data-testid="class-results-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-student")));
    expect(students).toEqual(["Ada", "Bo"]);
    expect(await text(teacher, "class-results")).toContain("training.max_steps: 2000 → 100000");
    const [download] = await Promise.all([teacher.waitForEvent("download"), teacher.getByTestId("class-results-csv").click()]);
    const csv = await readFile(await download.path(), "utf8");
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    expect(header).toContain("student");
    expect(lines).toHaveLength(2);

    // Reset all (asked first): the students' runs stop and their pages have no run.
    await teacher.getByTestId("btn-class-reset").click();
    await teacher.getByTestId("btn-class-reset-confirm").click();
    await teacher.getByTestId("class-control-report").waitFor({ timeout: 10_000 });
    for (const page of [ada, bo]) {
      await expect.poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 10_000 }).toBe("idle");
    }

    // Each student's runs list holds their own run only.
    for (const [page, own, other] of [
      [ada, adaRun, boRun],
      [bo, boRun, adaRun],
    ] as const) {
      await page.getByTestId("runs-list-toggle").click();
      await page.getByTestId(`runs-list-row-${own}`).waitFor();
      expect(await page.getByTestId(`runs-list-row-${other}`).count()).toBe(0);
      expect(await page.getByTestId("runs-list-total").getAttribute("data-total")).toBe("1");
    }

    // Leaving forgets the class: the badge goes, the Start button is back.
    await ada.getByTestId("btn-class-leave").click();
    await ada.getByTestId("class-badge").waitFor({ state: "detached" });
    await ada.getByTestId("btn-class-new").waitFor();
    expect(await ada.evaluate(() => localStorage.getItem("layerlab.class"))).toBeNull();

    // The teacher's Leave asks first; the toolbar then brings them back as the class's teacher.
    await teacher.getByTestId("btn-class-leave").click();
    await teacher.getByTestId("btn-class-leave-confirm").click();
    await teacher.getByTestId("class-badge").waitFor({ state: "detached" });
    await teacher.getByTestId("btn-class-new").click();
    await teacher.locator(`[data-testid="btn-class-rejoin"][data-code="${code}"]`).click();
    await teacher.getByTestId("class-panel").waitFor();
    expect((await text(teacher, "class-code")).trim()).toBe(code);

    // The teacher ends the class (asked first); the panel says so, and the browser no longer offers it.
    await teacher.getByTestId("btn-class-end").click();
    await teacher.getByTestId("btn-class-end-confirm").click();
    await expect.poll(() => teacher.getByTestId("class-panel").getAttribute("data-ended"), { timeout: 10_000 }).toBe("true");
    await expect.poll(() => teacher.evaluate(() => localStorage.getItem("layerlab.classes.taught")), { timeout: 10_000 }).toBeNull();
  });
});
