// Four runs compared live in one page against one run: the frames per second Chromium
// draws and the share of wall time its main thread is busy (CDP Performance metrics),
// while the same four runs train on the server in both cases, so that only what the
// page draws differs. Printed as a table; nothing is asserted.
//
// Run: `cd frontend && npm run build && npx vitest run --config vitest.bench.config.ts`
// (optionally BENCH_SECONDS=20 for longer windows).
import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, inject, test } from "vitest";
import { launch, openPage, type OpenPage } from "../e2e/browser";
import { rest } from "../e2e/rest";

const baseUrl = inject("baseUrl");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = 4;

const api = rest(baseUrl);

interface Preset {
  run: { network: unknown; dataset: unknown; training: Record<string, unknown> };
}

/** Four spiral runs that train until stopped, each paced so that the worker keeps up with all of them. */
async function startRuns(): Promise<string[]> {
  const preset = await api<Preset>("GET", "/api/presets/spiral-mlp");
  const ids: string[] = [];
  for (const [i, lr] of [0.01, 0.003, 0.03, 0.1].entries()) {
    const run = await api<{ id: string }>("POST", "/api/runs", {
      ...preset.run,
      name: `bench ${i + 1}`,
      training: { ...preset.run.training, lr, max_steps: 1_000_000, max_steps_per_s: 40 },
    });
    await api("POST", `/api/runs/${run.id}/start`);
    ids.push(run.id);
  }
  return ids;
}

interface Window {
  frames: number;
  seconds: number;
  busy: number;
  script: number;
  layout: number;
  runs: number;
}

type Metrics = Record<string, number>;

async function metrics(cdp: CDPSession): Promise<Metrics> {
  const { metrics: list } = await cdp.send("Performance.getMetrics");
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** Count animation frames and main-thread time over `SECONDS`. */
async function measure(page: Page, cdp: CDPSession): Promise<Window> {
  await page.evaluate(() => {
    const w = window as unknown as { benchFrames: number };
    w.benchFrames = 0;
    const tick = () => {
      w.benchFrames += 1;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const before = await metrics(cdp);
  const f0 = await page.evaluate(() => (window as unknown as { benchFrames: number }).benchFrames);
  await page.waitForTimeout(SECONDS * 1000);
  const f1 = await page.evaluate(() => (window as unknown as { benchFrames: number }).benchFrames);
  const after = await metrics(cdp);
  const d = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const seconds = d("Timestamp");
  return {
    frames: f1 - f0,
    seconds,
    busy: d("TaskDuration") / seconds,
    script: d("ScriptDuration") / seconds,
    layout: (d("LayoutDuration") + d("RecalcStyleDuration")) / seconds,
    runs: Number(await page.getByTestId("chart-loss").getAttribute("data-runs")),
  };
}

let opened: OpenPage | null = null;
let ids: string[] = [];

beforeAll(async () => {
  ids = await startRuns();
});

afterAll(async () => {
  await opened?.context.close();
  for (const id of ids) await api("POST", `/api/runs/${id}/stop`).catch(() => undefined);
});

test("four runs compared live against one", async () => {
  const browser = await launch();
  try {
    const [own, ...others] = ids as [string, ...string[]];
    opened = await openPage(browser, `${baseUrl}/?run=${own}`);
    const { page } = opened;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=chart-loss]")?.getAttribute("data-points")) > 0);
    await page.waitForTimeout(2000); // past the history's first draw
    const one = await measure(page, cdp);

    await page.getByTestId("runs-list-toggle").click();
    await page.getByTestId(`runs-list-compare-${own}`).check();
    for (const id of others) await page.getByTestId(`runs-list-compare-${id}`).check();
    await page.waitForFunction((n) => Number(document.querySelector("[data-testid=chart-loss]")?.getAttribute("data-runs")) === n, RUNS);
    await page.getByTestId("runs-list-toggle").click(); // the list polls while open: closed, as in use
    await page.waitForTimeout(2000);
    const four = await measure(page, cdp);
    if (four.runs !== RUNS) throw new Error("the comparison ended during the window");
    // One run again: the first window's figures, taken before and after, bound the noise.
    await page.getByTestId("compare-clear").click();
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=chart-loss]")?.getAttribute("data-runs")) === 1);
    await page.waitForTimeout(2000);
    const again = await measure(page, cdp);

    const row = (label: string, w: Window) =>
      `| ${label} | ${w.runs} | ${(w.frames / w.seconds).toFixed(1)} | ${(w.busy * 100).toFixed(1)}% | ${(w.script * 100).toFixed(1)}% | ${(w.layout * 100).toFixed(1)}% |`;
    console.log(
      [
        `\nLive comparison, ${SECONDS} s windows, ${RUNS} spiral runs training at 40 steps/s each:`,
        "| page shows | runs drawn | frames/s | main thread busy | script | style+layout |",
        "|---|---|---|---|---|---|",
        row("1 run", one),
        row(`${RUNS} runs compared`, four),
        row("1 run, again", again),
        `busy ratio ${RUNS} runs / 1 run: ${(four.busy / ((one.busy + again.busy) / 2)).toFixed(2)}`,
      ].join("\n"),
    );
  } finally {
    await browser.close();
  }
});
