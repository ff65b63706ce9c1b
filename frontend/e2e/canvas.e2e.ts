// The canvas in real Chromium against the real server, on a 1280x720 screen: every demo
// laid out without overlaps and readable; a layer dropped on an edge goes into it; deleting
// a middle layer joins its neighbours; a missed handle selects no text; receptive fields
// show on the nodes. Screenshots go to frontend/test-output/canvas-*.png.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { rest, runIdInUrl } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();
const api = rest(baseUrl);

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Demos up to this many nodes are readable when fitted (src/graph/layout.test.ts). */
const READABLE_NODES = 10;

interface PresetRead {
  name: string;
  lesson: { panels: string[] };
  run?: { network: Spec; dataset: unknown };
  runs?: { network: Spec; dataset: unknown }[];
}

interface Spec {
  nodes: { id: string; type: string }[];
  edges: { source: string; target: string }[];
}

async function open(): Promise<Page> {
  const page = await suite.open(`${baseUrl}/`, { width: 1280, height: 720 });
  await expect.poll(() => page.getByTestId("preset-select").locator("option").count()).toBeGreaterThan(1);
  return page;
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

/** Every node on the canvas by id, as drawn on the screen. */
const nodeBoxes = (page: Page): Promise<Record<string, Box>> =>
  page.locator(".react-flow__node").evaluateAll((els) =>
    Object.fromEntries(
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return [el.getAttribute("data-id") ?? "", { x: r.x, y: r.y, width: r.width, height: r.height }];
      }),
    ),
  );

/** The boxes once they stopped moving (the view fits the network with a short animation; validation adds lines). */
async function settledBoxes(page: Page): Promise<Record<string, Box>> {
  let last = "";
  await expect
    .poll(async () => {
      const now = JSON.stringify(await nodeBoxes(page));
      const same = now === last;
      last = now;
      return same;
    }, { timeout: 10_000, interval: 400 })
    .toBe(true);
  return JSON.parse(last) as Record<string, Box>;
}

function overlapping(boxes: Record<string, Box>): string[] {
  const list = Object.entries(boxes);
  const out: string[] = [];
  list.forEach(([a, p], i) => {
    for (const [b, q] of list.slice(i + 1)) {
      if (p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height) out.push(`${a} overlaps ${b}`);
    }
  });
  return out;
}

/** The node text's size on the screen: its font size times the canvas's zoom. */
const nodeTextPx = (page: Page): Promise<number> =>
  page.locator(".react-flow__viewport").evaluate((viewport) => {
    const zoom = new DOMMatrix(getComputedStyle(viewport).transform).a;
    const type = viewport.querySelector(".node-type");
    return type ? Number.parseFloat(getComputedStyle(type).fontSize) * zoom : 0;
  });

const edgeIds = (page: Page): Promise<string[]> =>
  page.locator(".react-flow__edge").evaluateAll((els) => els.map((e) => e.getAttribute("data-id") ?? "").sort());

/** The links drawn, as "source->target" (edge ids may carry marks to keep them unique). */
const links = async (page: Page): Promise<string[]> =>
  page.locator(".react-flow__edge").evaluateAll((els) =>
    els.map((e) => (e.getAttribute("aria-label") ?? "").replace(/^Edge from (\S+) to (\S+)$/, "$1->$2")).sort(),
  );

async function loadDemo(page: Page, name: string): Promise<void> {
  await page.getByTestId("preset-select").selectOption(name);
  await expect.poll(() => text(page, "spec-errors"), { timeout: 15_000 }).toMatch(/valid network|problem/);
}

/** The middle of an edge's drawn path, in screen pixels. */
const edgeMiddle = (page: Page, id: string): Promise<{ x: number; y: number }> =>
  page.locator(`.react-flow__edge[data-id="${id}"] path.react-flow__edge-path`).evaluate((el) => {
    const path = el as SVGPathElement;
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM() as DOMMatrix;
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  });

describe("the canvas", () => {
  test("1. every demo is laid out without overlapping nodes, readable at 1280x720", async () => {
    const presets = (await (await fetch(`${baseUrl}/api/presets`)).json()) as PresetRead[];
    expect(presets.length).toBeGreaterThan(0);
    const page = await open();
    for (const preset of presets) {
      const network = (preset.run ?? preset.runs?.[0])?.network;
      await loadDemo(page, preset.name);
      if ((preset.runs?.length ?? 0) > 1) {
        // A comparison lesson trains its runs (and may cover the canvas with their landscapes): uncover it.
        if (preset.lesson.panels.includes("loss_landscape")) await page.getByTestId("landscape-pair-close").click({ timeout: 30_000 });
        await page.getByTestId("compare-clear").click({ timeout: 30_000 });
      }
      for (const node of network?.nodes ?? []) await page.getByTestId(`node-${node.id}`).waitFor();
      // The lesson card folded, as a presenter folds it: the canvas's room is what is measured.
      const toggle = page.getByTestId("lesson-card-toggle");
      if ((await toggle.getAttribute("aria-expanded")) === "true") await toggle.click();
      const boxes = await settledBoxes(page);
      await page.screenshot({ path: join(SHOTS, `canvas-${preset.name}.png`) });
      expect(Object.keys(boxes).sort(), preset.name).toEqual((network?.nodes ?? []).map((n) => n.id).sort());
      expect(overlapping(boxes), preset.name).toEqual([]);
      // A lesson about depth shows its whole deep network at once (zoom in to read it).
      const readable = (network?.nodes.length ?? 0) <= READABLE_NODES ? 10 : 5;
      expect(await nodeTextPx(page), `${preset.name}: node text on the screen (px)`).toBeGreaterThanOrEqual(readable);
      // A comparison lesson's other runs train on when the next demo loads: stopped here
      // (the page's own run the page stops itself).
      const own = runIdInUrl(page);
      for (const run of await api<{ id: string; actions: string[] }[]>("GET", "/api/runs?limit=1000")) {
        if (run.id !== own && run.actions.includes("stop")) await api("POST", `/api/runs/${run.id}/stop`).catch(() => undefined);
      }
    }
  });

  test("2. a layer dropped on an edge goes between its two ends; undo takes it out again", async () => {
    const page = await open();
    await loadDemo(page, "digits-cnn");
    await settledBoxes(page);
    const before = await links(page);
    expect(before).toContain("c1->a1");
    const at = await edgeMiddle(page, "c1->a1");
    const canvas = await page.getByTestId("canvas").boundingBox();
    if (!canvas) throw new Error("no canvas");
    await page.getByTestId("palette-batchnorm").dragTo(page.getByTestId("canvas"), {
      targetPosition: { x: at.x - canvas.x, y: at.y - canvas.y },
    });
    await page.getByTestId("node-batchnorm1").waitFor();
    const after = await links(page);
    expect(after).toContain("c1->batchnorm1");
    expect(after).toContain("batchnorm1->a1");
    expect(after).not.toContain("c1->a1");
    expect(after).toHaveLength(before.length + 1);
    await expect.poll(() => text(page, "shape-batchnorm1"), { timeout: 10_000 }).toBe("[16, 8, 8]");
    expect(await text(page, "spec-errors")).toContain("valid network");
    await page.screenshot({ path: join(SHOTS, "canvas-inserted.png") });

    await page.getByTestId("btn-undo").click();
    await expect.poll(() => links(page)).toEqual(before);
    expect(await page.getByTestId("node-batchnorm1").count()).toBe(0);

    // Dropped beside the edges, a layer is only added.
    await page.getByTestId("palette-dropout").dragTo(page.getByTestId("canvas"), { targetPosition: { x: 20, y: 20 } });
    await page.getByTestId("node-dropout1").waitFor();
    expect(await links(page)).toEqual(before);
  });

  test("3. deleting a middle node joins its neighbours, through undo and redo", async () => {
    const page = await open();
    await loadDemo(page, "digits-cnn");
    await settledBoxes(page);
    expect(await links(page)).toEqual(expect.arrayContaining(["c1->a1", "a1->p1"]));
    const count = (await edgeIds(page)).length;
    await page.getByTestId("node-a1").click();
    await page.keyboard.press("Delete");
    await expect.poll(() => page.getByTestId("node-a1").count()).toBe(0);
    const joined = await links(page);
    expect(joined).toContain("c1->p1");
    expect(joined.some((l) => l.includes("a1"))).toBe(false);
    expect(joined).toHaveLength(count - 1);
    await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
    await page.screenshot({ path: join(SHOTS, "canvas-reconnected.png") });

    await page.getByTestId("btn-undo").click();
    await page.getByTestId("node-a1").waitFor();
    expect(await links(page)).toEqual(expect.arrayContaining(["c1->a1", "a1->p1"]));
    expect(await links(page)).not.toContain("c1->p1");
    await page.getByTestId("btn-redo").click();
    await expect.poll(() => page.getByTestId("node-a1").count()).toBe(0);
    expect(await links(page)).toContain("c1->p1");

    // The inspector's delete button does the same.
    await page.getByTestId("node-p1").click();
    await page.getByTestId("btn-delete-node").click();
    await expect.poll(() => links(page)).toContain("c1->c2");
  });

  test("4. each spatial node shows its receptive field next to its shape and parameters, as the server computes it", async () => {
    const page = await open();
    await loadDemo(page, "digits-cnn");
    await expect.poll(() => text(page, "rf-c1"), { timeout: 10_000 }).toBe("rf 3×3 · jump 1");
    const c1 = page.getByTestId("node-c1");
    expect(await c1.textContent()).toContain("params");
    expect(await text(page, "shape-c1")).toBe("[16, 8, 8]");
    expect(await page.getByTestId("rf-c1").getAttribute("title")).toMatch(/3×3 input pixels.*1 pixels apart/);

    const presets = (await (await fetch(`${baseUrl}/api/presets`)).json()) as PresetRead[];
    const run = presets.find((p) => p.name === "digits-cnn")?.run;
    const report = (await (
      await fetch(`${baseUrl}/api/networks/validate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ network: run?.network, dataset: run?.dataset }),
      })
    ).json()) as { nodes: Record<string, { receptive_field: { size: number[]; jump: number[] } | null }> };
    for (const [id, node] of Object.entries(report.nodes)) {
      const label = page.getByTestId(`rf-${id}`);
      const field = node.receptive_field;
      if (field === null) {
        expect(await label.count(), `${id} is not spatial`).toBe(0);
        continue;
      }
      const jump = new Set(field.jump).size === 1 ? String(field.jump[0]) : field.jump.join("×");
      expect(await label.textContent(), id).toBe(`rf ${field.size.join("×")} · jump ${jump}`);
    }
    // The later layers see more of the image, in bigger steps.
    expect(await text(page, "rf-p2")).not.toBe(await text(page, "rf-c1"));
    await page.getByTestId("node-c2").screenshot({ path: join(SHOTS, "canvas-receptive-field.png") });
  });

  test("5. a drag that misses a handle selects no text on the page; an error stays one line on its node", async () => {
    const page = await open();
    await loadDemo(page, "digits-cnn");
    await settledBoxes(page);
    const handle = await page.getByTestId("handle-c1-out").boundingBox();
    const errors = await page.getByTestId("spec-errors").boundingBox();
    if (!handle || !errors) throw new Error("no handle or error list");
    // Just beside the handle (on the node, then on the pane), dragged over the text below the canvas.
    for (const dx of [-12, 14]) {
      await page.mouse.move(handle.x + handle.width / 2 + dx, handle.y + handle.height + 6);
      await page.mouse.down();
      await page.mouse.move(errors.x + 40, errors.y + errors.height / 2, { steps: 8 });
      await page.mouse.move(errors.x + errors.width - 10, errors.y + errors.height / 2, { steps: 8 });
      await page.mouse.up();
      expect(await page.evaluate(() => window.getSelection()?.toString() ?? ""), `dx ${dx}`).toBe("");
    }

    // A wrong param: the node gets a one-line marker, no wider or taller than a line; the text is in its tooltip.
    await page.getByTestId("btn-undo").click(); // the drag that started on the node moved it
    await page.locator(".react-flow__controls-fitview").click(); // the one on the pane panned the view
    const plain = await settledBoxes(page);
    await page.getByTestId("node-fc").click();
    await page.getByTestId("param-out_features").fill("0");
    await expect.poll(() => text(page, "error-of-fc"), { timeout: 10_000 }).toContain("must be at least 1");
    const marker = page.getByTestId("error-of-fc");
    expect(await marker.getAttribute("title")).toContain("must be at least 1");
    expect(await text(page, "spec-errors")).toContain("must be at least 1");
    const withError = await nodeBoxes(page);
    const [was, now] = [plain.fc as Box, withError.fc as Box];
    expect(now.width).toBeLessThanOrEqual(was.width + 1);
    const line = (await marker.boundingBox())?.height ?? 0;
    expect(now.height - was.height).toBeLessThanOrEqual(line + 4);
    expect(line).toBeLessThan(20);
    expect(overlapping(withError)).toEqual([]);
    await page.getByTestId("node-fc").screenshot({ path: join(SHOTS, "canvas-error.png") });
  });
});
