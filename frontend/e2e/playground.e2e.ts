// The playground in real Chromium against the real server: build by drag and drop,
// see shapes and errors, train, and reload from the link.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { painted } from "./pixels";
import { REPO, startServer } from "./server";
import { browserSuite } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();

function open(hash = "", url = baseUrl): Promise<Page> {
  return suite.open(`${url}/${hash}`);
}

interface RunRead {
  actions: string[];
  config: { training: { lr: number; alpha: number } };
}

/** The newest run, in full (the list gives summaries). */
async function newestRun(): Promise<RunRead> {
  const [summary] = (await (await fetch(`${baseUrl}/api/runs?limit=1`)).json()) as { id: string }[];
  if (!summary) throw new Error("no run");
  return (await (await fetch(`${baseUrl}/api/runs/${summary.id}`)).json()) as RunRead;
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";
const number = async (page: Page, testId: string): Promise<number> => Number(await text(page, testId));

async function centre(page: Page, testId: string): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drag a palette item onto the canvas at a fraction of its width and height (HTML5 drag and drop). */
async function dropLayer(page: Page, type: string, fx: number, fy: number): Promise<void> {
  const canvas = page.getByTestId("canvas");
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no canvas");
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: { x: box.width * fx, y: box.height * fy } });
}

/** Drag with the mouse from a node's output handle to another's input handle. */
async function connect(page: Page, source: string, target: string): Promise<void> {
  const from = await centre(page, `handle-${source}-out`);
  const to = await centre(page, `handle-${target}-in`);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

/** A number shown on the page once it stopped changing. */
async function settled(page: Page, testId: string): Promise<number> {
  let last = Number.NaN;
  await expect
    .poll(async () => {
      const now = await number(page, testId);
      const same = now === last;
      last = now;
      return same;
    }, { timeout: 10_000, interval: 600 })
    .toBe(true);
  return last;
}

const edgeCount = (page: Page) => page.locator(".react-flow__edge").count();

/** Pixels of a canvas within a few levels of an RGB colour (the class colours of the points). */
const pixelsOf = (page: Page, testId: string, rgb: [number, number, number]): Promise<number> =>
  page.getByTestId(testId).evaluate((el, want) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if ((data[i + 3] as number) > 250 && [0, 1, 2].every((c) => Math.abs((data[i + c] as number) - (want[c] as number)) <= 6)) n++;
    }
    return n;
  }, rgb);

const BLUE: [number, number, number] = [0x00, 0x72, 0xb2];
const ORANGE: [number, number, number] = [0xe6, 0x9f, 0x00];

/** The data panel's preview once loaded: its kind. */
async function previewReady(page: Page): Promise<string | null> {
  const preview = page.getByTestId("dataset-preview");
  await expect.poll(() => preview.getAttribute("data-state"), { timeout: 15_000 }).toBe("ready");
  return preview.getAttribute("data-kind");
}

/** A canvas's picture, to compare two moments. */
const picture = (page: Page, testId: string): Promise<string> =>
  page.getByTestId(testId).evaluate((el) => (el as HTMLCanvasElement).toDataURL());

const stepOf = async (page: Page, testId: string): Promise<number> =>
  Number((await page.getByTestId(testId).getAttribute("data-step")) || Number.NaN);

/** A probe panel and its canvas once they show a frame; the step and picture of it. */
async function probeShown(page: Page, panel: string, canvas: string): Promise<{ step: number; picture: string }> {
  await expect.poll(() => page.getByTestId(panel).getAttribute("data-state"), { timeout: 30_000 }).toBe("ready");
  await expect.poll(() => painted(page, canvas), { timeout: 5_000 }).toBeGreaterThan(50);
  expect(await text(page, `${panel}-rate`)).toMatch(/Hz.* · step \d+/);
  return { step: await stepOf(page, panel), picture: await picture(page, canvas) };
}

/** The panel shows a later step and its canvas a different picture. */
async function probeChanges(page: Page, panel: string, canvas: string, before: { step: number; picture: string }): Promise<void> {
  await expect.poll(() => stepOf(page, panel), { timeout: 40_000 }).toBeGreaterThan(before.step);
  await expect.poll(() => picture(page, canvas), { timeout: 40_000 }).not.toBe(before.picture);
}

describe("the playground", () => {
  test("1. the palette lists every layer type the server serves", async () => {
    const layers = (await (await fetch(`${baseUrl}/api/layers`)).json()) as { type: string; category: string }[];
    expect(layers.length).toBeGreaterThan(20);
    const page = await open();
    for (const layer of layers) {
      const item = page.getByTestId(`palette-${layer.type}`);
      await expect.poll(() => item.count()).toBe(1);
      expect(await item.getAttribute("title")).toBeTruthy();
    }
    expect(await page.locator('[data-testid^="palette-"]').count()).toBe(layers.length);
    // The starter network is on the canvas and valid, so play works at once.
    await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
  });

  test("2. drag linear, relu, linear onto the canvas, connect them; shapes appear", async () => {
    const page = await open();
    await page.getByTestId("btn-clear").click();
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(2);
    await page.waitForTimeout(300); // let the view settle on the two nodes

    await dropLayer(page, "linear", 0.3, 0.22);
    await dropLayer(page, "relu", 0.5, 0.7);
    await dropLayer(page, "linear", 0.7, 0.22);
    await page.getByTestId("node-linear1").waitFor();
    await page.getByTestId("node-relu1").waitFor();
    await page.getByTestId("node-linear2").waitFor();

    await connect(page, "in", "linear1");
    await connect(page, "linear1", "relu1");
    await connect(page, "relu1", "linear2");
    await connect(page, "linear2", "out");
    await expect.poll(() => edgeCount(page)).toBe(4);

    // The last layer gives one score per class of the default 2-class dataset.
    await page.getByTestId("node-linear2").click();
    await page.getByTestId("param-out_features").fill("2");

    // Each edit is checked once the edits pause, so the shapes shown may still be those of
    // an earlier check (relu1 not yet fed): wait for each.
    await expect.poll(() => text(page, "shape-linear1"), { timeout: 10_000 }).toBe("[16]");
    await expect.poll(() => text(page, "shape-relu1"), { timeout: 10_000 }).toBe("[16]");
    await expect.poll(() => text(page, "shape-linear2"), { timeout: 10_000 }).toBe("[2]");
    await expect.poll(() => text(page, "shape-out"), { timeout: 10_000 }).toBe("[2]");
    expect(await page.getByTestId("node-linear1").textContent()).toContain("48 params");
    await expect.poll(() => text(page, "spec-errors")).toContain("valid network");
  });

  test("3. invalid connections are refused or reported; an invalid param shows on the node and in spec-errors", async () => {
    const page = await open();
    await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
    const edges = await edgeCount(page);

    // A cycle can never be valid: refused while dragging.
    await connect(page, "a2", "h1");
    await expect.poll(() => text(page, "notice")).toContain("cycle");
    expect(await edgeCount(page)).toBe(edges);

    // A second input into relu is drawn, and the server says what is wrong, on the node and in the list.
    await connect(page, "in", "a1");
    await expect.poll(() => edgeCount(page)).toBe(edges + 1);
    await expect.poll(() => text(page, "error-of-a1"), { timeout: 10_000 }).toContain("relu takes 1 input but has 2");
    expect(await text(page, "spec-errors")).toContain("relu takes 1 input but has 2");
    // Undo removes it; the error goes away.
    await page.getByTestId("btn-undo").click();
    await expect.poll(() => edgeCount(page)).toBe(edges);
    await expect.poll(() => text(page, "spec-errors")).toContain("valid network");
    expect(await page.getByTestId("error-of-a1").count()).toBe(0);

    // An invalid param.
    await page.getByTestId("node-h1").click();
    await page.getByTestId("param-out_features").fill("0");
    await expect.poll(() => text(page, "error-of-h1"), { timeout: 10_000 }).toContain("must be at least 1");
    expect(await text(page, "spec-errors")).toContain("must be at least 1");
    await page.getByTestId("param-out_features").fill("12");
    await expect.poll(() => text(page, "spec-errors")).toContain("valid network");
    expect(await page.getByTestId("error-of-h1").count()).toBe(0);
    expect(await text(page, "shape-h1")).toBe("[12]");
  });

  test("4. spiral: play, the curves grow, test accuracy passes 90%, the decision boundary and neuron maps draw; pause, step, reset", async () => {
    const page = await open();
    await page.getByTestId("dataset-select").selectOption("spiral");
    // The data panel previews the points: train filled, test hollow, in the class colours.
    expect(await previewReady(page)).toBe("points");
    const preview = page.getByTestId("preview-canvas");
    expect(Number(await preview.getAttribute("data-train"))).toBeGreaterThan(100);
    expect(Number(await preview.getAttribute("data-test"))).toBeGreaterThan(100);
    await expect.poll(() => pixelsOf(page, "preview-canvas", BLUE), { timeout: 5_000 }).toBeGreaterThan(50);
    await expect.poll(() => pixelsOf(page, "preview-canvas", ORANGE), { timeout: 5_000 }).toBeGreaterThan(50);
    // Long enough that the run is still training whatever the machine's speed.
    await page.getByTestId("max-steps-input").fill("100000");
    await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
    await page.getByTestId("btn-play").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("running");
    await expect.poll(() => number(page, "step-count"), { timeout: 30_000 }).toBeGreaterThan(50);
    await expect
      .poll(async () => Number(await page.getByTestId("chart-loss").getAttribute("data-points")), { timeout: 10_000 })
      .toBeGreaterThan(5);
    await expect
      .poll(async () => Number(await page.getByTestId("test-acc").getAttribute("data-value")), { timeout: 60_000 })
      .toBeGreaterThan(0.9);

    // The decision boundary beside the curves, and each hidden unit's map on its node.
    const boundary = await probeShown(page, "panel-decision-boundary", "boundary-canvas");
    expect(boundary.step).toBeGreaterThan(0);
    expect(await text(page, "boundary-legend")).toContain("[−6, 6]");
    // The same points on the boundary (class 0's blue is not on the boundary's colour map).
    expect(Number(await page.getByTestId("boundary-canvas").getAttribute("data-points"))).toBe(
      Number(await preview.getAttribute("data-points")),
    );
    await expect.poll(() => pixelsOf(page, "boundary-canvas", BLUE), { timeout: 5_000 }).toBeGreaterThan(20);
    for (const hidden of ["a1", "a2"]) {
      await expect.poll(() => painted(page, `thumbs-canvas-${hidden}`), { timeout: 10_000 }).toBeGreaterThan(50);
    }
    // 16 units each: a 4 x 4 grid of maps.
    const thumbs = await page.getByTestId("thumbs-canvas-a1").boundingBox();
    expect(thumbs?.width).toBeGreaterThan(60);
    expect(await page.getByTestId("thumbs-h1").count()).toBe(0); // linear nodes: the server maps the activations

    mkdirSync(join(REPO, "docs"), { recursive: true });
    await page.getByTestId("node-h2").click(); // the side panel shows a layer's params and views in the picture
    await expect.poll(() => page.getByTestId("panel-weights").getAttribute("data-state"), { timeout: 15_000 }).toBe("ready");
    await expect.poll(() => page.getByTestId("panel-gradients").getAttribute("data-state"), { timeout: 15_000 }).toBe("ready");
    await page.screenshot({ path: join(REPO, "docs", "screenshot.png") });

    // A change of learning rate during the run reaches the run (PATCH /training).
    await page.getByTestId("lr-input").fill("0.005");
    await expect
      .poll(async () => {
        const newest = await newestRun();
        return newest.config.training.lr;
      }, { timeout: 10_000 })
      .toBe(0.005);

    await page.getByTestId("btn-pause").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("paused");
    const paused = await settled(page, "step-count");
    await page.getByTestId("btn-step").click();
    await expect.poll(() => number(page, "step-count"), { timeout: 15_000 }).toBe(paused + 1);
    await expect.poll(() => text(page, "run-status")).toContain("paused");
    await page.getByTestId("btn-reset").click();
    await expect.poll(() => text(page, "run-status")).toContain("idle");
    expect(await number(page, "step-count")).toBe(0);
    await expect.poll(async () => page.getByTestId("chart-loss").getAttribute("data-points")).toBe("0");
  });

  test("5. a conv network on digits trains from the page; the conv's feature maps and ERF follow the training", async () => {
    const page = await open();
    await expect.poll(() => page.getByTestId("preset-select").locator("option").count()).toBeGreaterThan(1);
    await page.getByTestId("preset-select").selectOption("digits-cnn");
    await expect.poll(() => page.getByTestId("dataset-select").inputValue()).toBe("digits");
    // The data panel shows the first train images with their classes.
    expect(await previewReady(page)).toBe("images");
    expect(await page.getByTestId("preview-canvas").getAttribute("data-images")).toBe("16");
    await expect.poll(() => painted(page, "preview-canvas"), { timeout: 5_000 }).toBeGreaterThan(1000);
    expect(await page.getByTestId("preview-canvas").getAttribute("aria-label")).toMatch(/first 16 train images: \d/);
    await expect.poll(() => text(page, "shape-c1"), { timeout: 10_000 }).toBe("[16, 8, 8]");
    expect(await text(page, "shape-p2")).toBe("[32, 2, 2]");
    // Long enough to be still training when each view is looked at (the lesson's 3,000 steps
    // can end first on a fast machine, and its views then show the final weights).
    await page.getByTestId("max-steps-input").fill("100000");
    await page.getByTestId("btn-play").click();
    await expect.poll(() => number(page, "step-count"), { timeout: 45_000 }).toBeGreaterThan(20);

    // The first conv's views: its channels on one test sample, and its effective receptive field.
    await page.getByTestId("node-c1").click();
    const maps = await probeShown(page, "panel-feature-maps", "feature-maps-canvas");
    expect(await text(page, "feature-maps-count")).toContain("16 channels");
    const erf = await probeShown(page, "panel-erf", "erf-canvas");
    expect(await text(page, "erf-rf-size")).toBe("3 × 3 px");
    expect(await text(page, "erf-sigma")).toMatch(/^\d[\d.]* × \d[\d.]* px$/);
    expect(await text(page, "erf-coverage")).toMatch(/% of the field/);
    // The run-level views of an image set: the confusion matrix, and predictions in a tab.
    await probeShown(page, "panel-confusion", "confusion-canvas");
    // Both views follow the training.
    await probeChanges(page, "panel-feature-maps", "feature-maps-canvas", maps);
    await probeChanges(page, "panel-erf", "erf-canvas", erf);
    // Another test sample: other maps.
    const before = await picture(page, "feature-maps-canvas");
    await page.getByTestId("feature-maps-next").click();
    expect(await page.getByTestId("feature-maps-sample").inputValue()).toBe("1");
    await expect.poll(() => picture(page, "feature-maps-canvas"), { timeout: 30_000 }).not.toBe(before);
    await page.getByTestId("tab-predictions").click();
    await probeShown(page, "panel-predictions", "predictions-canvas");

    await expect
      .poll(async () => Number(await page.getByTestId("test-acc").getAttribute("data-value")), { timeout: 75_000 })
      .toBeGreaterThan(0.6);
    await page.getByTestId("btn-reset").click();
    await expect.poll(() => text(page, "run-status")).toContain("idle");
  });

  test("6. reloading with the URL hash brings back the same network and settings", async () => {
    const page = await open();
    await page.getByTestId("dataset-select").selectOption("moons");
    await page.getByTestId("optimizer-select").selectOption("sgd");
    await page.getByTestId("lr-input").fill("0.05");
    await page.getByTestId("momentum-input").fill("0.9");
    await page.getByTestId("node-h2").click();
    await page.getByTestId("param-out_features").fill("24");
    await page.getByTestId("node-out").click();
    await dropLayer(page, "dropout", 0.5, 0.85);
    await page.getByTestId("node-dropout1").waitFor();
    await expect.poll(() => decodeURIComponent(page.url())).toMatch(/#s=/);
    // The hash is written a moment after the last edit.
    let url = "";
    await expect
      .poll(() => {
        const now = page.url();
        const same = now === url;
        url = now;
        return same;
      }, { timeout: 5000, interval: 700 })
      .toBe(true);

    await page.reload();
    await page.getByTestId("node-dropout1").waitFor();
    expect(await page.getByTestId("dataset-select").inputValue()).toBe("moons");
    expect(await page.getByTestId("optimizer-select").inputValue()).toBe("sgd");
    expect(await page.getByTestId("lr-input").inputValue()).toBe("0.05");
    expect(await page.getByTestId("momentum-input").inputValue()).toBe("0.9");
    expect(await page.getByTestId("node-h2").locator(".node-summary").textContent()).toBe("24");
    expect(await page.locator(".react-flow__node").count()).toBe(8);
    // The page writes back exactly the setup it read.
    await page.waitForTimeout(800);
    expect(page.url()).toBe(url);

    // Export the network as JSON, clear the canvas, import the file: the network is back.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("btn-export").click()]);
    const file = await download.path();
    const spec = JSON.parse(readFileSync(file, "utf-8")) as { version: number; nodes: { id: string; position?: unknown }[] };
    expect(spec.version).toBe(1);
    expect(spec.nodes.map((n) => n.id)).toContain("dropout1");
    expect(spec.nodes.every((n) => n.position !== undefined)).toBe(true);
    await page.getByTestId("btn-clear").click();
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(2);
    await page.getByTestId("import-file").setInputFiles(file);
    await page.getByTestId("node-dropout1").waitFor();
    expect(await page.locator(".react-flow__node").count()).toBe(8);
    expect(await page.getByTestId("dataset-select").inputValue()).toBe("moons");
  });

  test("8. the optimizer menu and its fields come from the server's registry; the buttons follow the run's actions", async () => {
    const page = await open();
    // `node-<id>` hooks are the network's nodes and nothing else.
    const hooks = await page.locator('[data-testid^="node-"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
    expect(hooks.sort()).toEqual(["in", "h1", "a1", "h2", "a2", "fc", "out"].map((id) => `node-${id}`).sort());
    const registry = (await (await fetch(`${baseUrl}/api/optimizers`)).json()) as {
      name: string;
      params_schema: { properties: Record<string, unknown> };
    }[];
    const offered = await page.getByTestId("optimizer-select").locator("option").evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(offered).toEqual(registry.map((o) => o.name));
    for (const entry of registry) {
      await page.getByTestId("optimizer-select").selectOption(entry.name);
      for (const field of ["lr", "momentum", "nesterov", "alpha", "beta1", "beta2", "eps", "weight_decay"]) {
        const shown = await page.getByTestId(`${field.replace("_", "-")}-input`).count();
        expect(shown, `${entry.name}: ${field}`).toBe(field in entry.params_schema.properties ? 1 : 0);
      }
    }

    // RMSProp's own decay changes live while it trains; the buttons are what the run allows.
    await page.getByTestId("optimizer-select").selectOption("rmsprop");
    await page.getByTestId("btn-play").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("running");
    expect((await newestRun()).actions).toEqual(["pause", "stop", "update"]);
    expect(await page.getByTestId("btn-play").isDisabled()).toBe(true);
    expect(await page.getByTestId("btn-step").isDisabled()).toBe(true);
    expect(await page.getByTestId("btn-pause").isDisabled()).toBe(false);
    await page.getByTestId("alpha-input").fill("0.95");
    await expect.poll(async () => (await newestRun()).config.training.alpha, { timeout: 10_000 }).toBe(0.95);
    await page.getByTestId("btn-pause").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 15_000 }).toContain("paused");
    expect(await page.getByTestId("btn-play").isDisabled()).toBe(false);
    expect(await page.getByTestId("btn-step").isDisabled()).toBe(false);
    expect(await page.getByTestId("btn-pause").isDisabled()).toBe(true);
    await page.getByTestId("btn-reset").click();
    await expect.poll(() => text(page, "run-status")).toContain("idle");
  });

  test("7. the stream drops with the server and comes back without a reload", async () => {
    const first = await startServer();
    let server = first;
    try {
      const page = await open("", first.url);
      await page.getByTestId("btn-play").click();
      await expect.poll(() => number(page, "step-count"), { timeout: 30_000 }).toBeGreaterThan(50);
      await server.stop({ keepData: true });
      await expect.poll(() => page.getByText("reconnecting").count(), { timeout: 15_000 }).toBeGreaterThan(0);
      const before = await number(page, "step-count");
      const points = Number(await page.getByTestId("chart-loss").getAttribute("data-points"));

      server = await startServer({ port: first.port, dataDir: first.dataDir });
      // Back on the same page: the run is there, paused by the restart, with its history.
      await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("paused");
      expect(await page.getByText("reconnecting").count()).toBe(0);
      await page.getByTestId("btn-play").click();
      await expect.poll(() => number(page, "step-count"), { timeout: 30_000 }).toBeGreaterThan(before + 20);
      expect(Number(await page.getByTestId("chart-loss").getAttribute("data-points"))).toBeGreaterThan(points);
      await page.getByTestId("btn-reset").click();
      await expect.poll(() => text(page, "run-status")).toContain("idle");
      // The browser reports the refused reconnects itself; nothing else may be an error.
      if (suite.current) {
        suite.current.errors = suite.current.errors.filter((e) => !/WebSocket connection to .* failed/.test(e));
      }
    } finally {
      await server.stop();
    }
  });
});
