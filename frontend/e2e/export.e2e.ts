// The run's downloads in real Chromium against the real server: a briefly trained spiral run,
// paused, saved as its spec (whose network is the run's) and as its weights (a safetensors
// file) and as its report (a page that opens offline and draws the network and the curves);
// a run without a checkpoint yet says why its weights cannot be saved.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Download, Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { LINEAR_CLASSIFIER, rest, runIdInUrl, type RunSummary, withoutRuns } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();
const api = rest(baseUrl);

interface RunRead extends RunSummary {
  config: { network: unknown };
}

withoutRuns(api);

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

/** Click a download button and read the file the browser saved, with the name it was given. */
async function downloaded(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}

describe("the run's downloads", () => {
  test("1. a paused spiral run downloads as its spec, a PyTorch script, its weights, its ONNX model and its report, which opens on its own", async () => {
    const page = await suite.open(`${baseUrl}/`);
    expect(await page.getByTestId("btn-export-spec").isDisabled()).toBe(true);
    expect(await page.getByTestId("btn-export-safetensors").isDisabled()).toBe(true);

    await page.getByTestId("dataset-select").selectOption("spiral");
    await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("valid network");
    await page.getByTestId("btn-play").click();
    await expect.poll(() => text(page, "run-status"), { timeout: 30_000 }).toContain("running");
    await expect.poll(async () => Number(await text(page, "step-count")), { timeout: 20_000 }).toBeGreaterThan(20);
    await page.getByTestId("btn-pause").click();
    await expect.poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 10_000 }).toBe("paused");
    const id = runIdInUrl(page);
    expect(id).not.toBeNull();
    const run = await api<RunRead>("GET", `/api/runs/${id}`);

    const spec = await downloaded(page, "btn-export-spec");
    expect(spec.name).toMatch(new RegExp(`-${(id as string).slice(0, 8)}\\.json$`));
    const body = JSON.parse(spec.bytes.toString("utf8")) as { network: unknown; dataset: { name: string } };
    expect(body.network).toEqual(run.config.network);
    expect(body.dataset.name).toBe("spiral");

    const weights = await downloaded(page, "btn-export-safetensors");
    expect(weights.name).toMatch(/\.safetensors$/);
    expect(weights.bytes.length).toBeGreaterThan(8);
    // safetensors: an 8-byte little-endian header length, then the JSON header.
    const headerLength = Number(weights.bytes.readBigUInt64LE(0));
    expect(headerLength).toBeGreaterThan(1);
    expect(8 + headerLength).toBeLessThanOrEqual(weights.bytes.length);
    expect(String.fromCharCode(weights.bytes[8] as number)).toBe("{");
    const header = JSON.parse(weights.bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(header).some((name) => name.endsWith("h1.weight"))).toBe(true);
    expect(await page.getByTestId("export-error").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "export.png") });

    const script = await downloaded(page, "btn-export-pytorch");
    expect(script.name).toMatch(new RegExp(`-${(id as string).slice(0, 8)}\\.py$`));
    const source = script.bytes.toString("utf8");
    expect(source).toContain("class Net(nn.Module):");
    expect(source).toContain('self.layers["h1"] = nn.Linear(');
    expect(source).toContain("def train(");

    const onnx = await downloaded(page, "btn-export-onnx");
    expect(onnx.name).toMatch(/\.onnx$/);
    expect(onnx.bytes.length).toBeGreaterThan(100);

    // The report: one file that opens on its own, offline, without a console error, and
    // draws the network's nodes and the run's curves.
    const report = await downloaded(page, "btn-export-report");
    expect(report.name).toMatch(/\.html$/);
    const file = join(SHOTS, "export-report.html");
    await writeFile(file, report.bytes);
    const opened = await suite.openAnother(`file://${file}`, { waitFor: "[data-network]" });
    expect(await opened.locator("[data-network] g[data-node]").count()).toBe((run.config.network as { nodes: unknown[] }).nodes.length);
    const points = await opened.locator("svg[data-chart='loss'] polyline[data-series='train']").getAttribute("points");
    expect((points ?? "").trim().split(/\s+/).length).toBeGreaterThan(2);
    expect(await opened.locator("[data-metrics]").isVisible()).toBe(true);
    await opened.screenshot({ path: join(SHOTS, "export-report.png"), fullPage: true });
  });

  test("2. a run with no checkpoint yet says its weights are not saved; its spec still downloads", async () => {
    const run = await api<RunSummary>("POST", "/api/runs", { name: "not-started", network: LINEAR_CLASSIFIER, dataset: { name: "circle", params: {} } });
    const page = await suite.open(`${baseUrl}/?run=${run.id}`);
    await expect.poll(() => page.getByTestId("btn-export-safetensors").isDisabled(), { timeout: 10_000 }).toBe(false);
    await page.getByTestId("btn-export-safetensors").click();
    await expect.poll(() => text(page, "export-error"), { timeout: 5_000 }).toContain("no saved weights yet");
    // The browser logs the refused request; that refusal is what this test asks for.
    if (suite.current) suite.current.errors = suite.current.errors.filter((e) => !/status of 409/.test(e));
    const spec = await downloaded(page, "btn-export-spec");
    expect(spec.name).toBe(`not-started-${run.id.slice(0, 8)}.json`);
    expect(await page.getByTestId("export-error").count()).toBe(0);
  });
});
