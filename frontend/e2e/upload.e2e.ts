// Uploads in real Chromium against the real server: a CSV sent through the data panel's upload
// form (its label column offered from its header), its progress seen to the end, the new
// dataset picked and previewed as a table; a CSV with a NaN refused with its row and column
// named; and the dataset deleted again.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, inject, test } from "vitest";
import { rest } from "./rest";
import { browserSuite, SHOTS } from "./suite";

const baseUrl = inject("baseUrl");
const suite = browserSuite();
const api = rest(baseUrl);

interface Entry {
  name: string;
  upload?: { id: string; filename: string };
}

const SPECIES = ["setosa", "versicolor", "virginica"];

/** Three clusters in four features, labelled by name (the label is not the last column). */
function irisLike(nanAt?: number): Buffer {
  const lines = ["sepal_length,sepal_width,species,petal_length,petal_width"];
  for (let i = 0; i < 60; i++) {
    const k = i % 3;
    const jitter = ((i * 37) % 11) / 20;
    const cells = [k * 3 + jitter, 1 + jitter, SPECIES[k], k * 2 - jitter, 0.5 * k + jitter].map(String);
    if (i === nanAt) cells[1] = "NaN";
    lines.push(cells.join(","));
  }
  return Buffer.from(lines.join("\n") + "\n");
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).textContent()) ?? "";

async function uploads(): Promise<Entry[]> {
  return (await api<Entry[]>("GET", "/api/datasets")).filter((e) => e.upload !== undefined);
}

async function send(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.getByTestId("upload-file").setInputFiles({ name, mimeType: "text/csv", buffer });
  // The header line offers the columns; the last one is picked until the user says otherwise.
  await expect.poll(() => page.getByTestId("upload-label").inputValue(), { timeout: 5_000 }).toBe("petal_width");
  await page.getByTestId("upload-label").selectOption("species");
  await page.getByTestId("upload-submit").click();
}

afterAll(async () => {
  for (const entry of await uploads()) await api("DELETE", `/api/datasets/${entry.upload?.id ?? ""}`);
});

describe("uploads", () => {
  test("1. a CSV uploads with progress, is picked and previewed, and can be deleted", async () => {
    const page = await suite.open(`${baseUrl}/`);
    const before = await uploads();
    await page.getByTestId("btn-upload").click();
    await send(page, "iris.csv", irisLike());

    const progress = page.getByTestId("upload-progress");
    await expect.poll(() => progress.getAttribute("data-state"), { timeout: 15_000 }).toBe("done");
    expect(Number(await progress.getAttribute("value"))).toBe(1);
    expect(await page.getByTestId("upload-error").count()).toBe(0);

    const added = (await uploads()).filter((e) => !before.some((b) => b.name === e.name));
    expect(added.map((e) => e.upload?.filename)).toEqual(["iris.csv"]);
    const name = added[0]?.name ?? "";
    expect(name).toMatch(/^upload-[0-9a-f]{12}$/);
    // Picked in the dataset select, named by its file, and previewed as rows of its columns.
    expect(await page.getByTestId("dataset-select").inputValue()).toBe(name);
    expect(await page.getByTestId("dataset-select").locator(`option[value="${name}"]`).textContent()).toContain("iris.csv (uploaded)");
    await expect.poll(() => page.getByTestId("dataset-preview").getAttribute("data-state"), { timeout: 15_000 }).toBe("ready");
    const table = page.getByTestId("preview-table");
    expect(Number(await table.getAttribute("data-rows"))).toBeGreaterThan(0);
    const header = await table.locator("th").allTextContents();
    expect(header).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]);
    const labels = await table.locator("tbody tr td:last-child").allTextContents();
    expect(labels.every((label) => SPECIES.includes(label))).toBe(true);
    expect(await text(page, "dataset-info")).toContain("setosa");
    // The page's network is checked against the upload: two outputs for its three classes.
    await expect.poll(() => text(page, "spec-errors"), { timeout: 10_000 }).toContain("has 3 classes");
    await page.screenshot({ path: join(SHOTS, "upload.png") });

    // Picked away and back: still listed and previewed.
    await page.getByTestId("dataset-select").selectOption("spiral");
    await page.getByTestId("dataset-select").selectOption(name);
    await expect.poll(() => page.getByTestId("preview-table").count(), { timeout: 15_000 }).toBe(1);

    // Deleted (asked twice): gone from the select and from the server.
    await page.getByTestId("btn-delete-dataset").click();
    expect(await text(page, "btn-delete-dataset")).toContain("really");
    await page.getByTestId("btn-delete-dataset").click();
    await expect.poll(() => page.getByTestId("dataset-select").locator(`option[value="${name}"]`).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId("dataset-select").inputValue()).not.toBe(name);
    expect((await uploads()).some((e) => e.name === name)).toBe(false);
  });

  test("2. a CSV with a NaN is refused, saying which row and column", async () => {
    const page = await suite.open(`${baseUrl}/`);
    const before = await uploads();
    await page.getByTestId("btn-upload").click();
    await send(page, "broken.csv", irisLike(4));
    const error = page.getByTestId("upload-error");
    await expect.poll(() => error.count(), { timeout: 15_000 }).toBe(1);
    const message = (await error.textContent()) ?? "";
    expect(message).toContain("broken.csv");
    expect(message).toContain("row 6");
    expect(message).toContain("'sepal_width'");
    expect(await page.getByTestId("upload-progress").count()).toBe(0);
    expect(await uploads()).toEqual(before);
    // The browser reports the refused request itself; that is the refusal this test expects.
    if (suite.current) suite.current.errors = suite.current.errors.filter((e) => !/status of 422/.test(e));
  });
});
