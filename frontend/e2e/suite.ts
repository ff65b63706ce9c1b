// The setup every browser test file shares: one Chromium for the file, the page a test
// opened closed after it, with no console errors allowed on it, and the folder the
// screenshots go to.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { launch, openPage, type OpenPage } from "./browser";
import { REPO } from "./server";

/** Where the tests' screenshots go. */
export const SHOTS = join(REPO, "frontend", "test-output");
mkdirSync(SHOTS, { recursive: true });

export interface Suite {
  /** The file's browser (launched before its first test). */
  readonly browser: Browser;
  /** The page the running test opened; a test may edit its `errors` to allow expected ones. */
  readonly current: OpenPage | null;
  /** Open a page, checked after the test, and wait for the palette (at `viewport` if given). */
  open(url: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** Check a page opened elsewhere after the test. */
  track(opened: OpenPage): OpenPage;
}

export interface SuiteOptions {
  /** Run on the test's page after its errors are taken and before it closes. */
  beforeClose?: (opened: OpenPage) => Promise<void>;
}

/** Register the file's hooks: the browser launched and closed, each test's page checked and closed. */
export function browserSuite(options: SuiteOptions = {}): Suite {
  let browser: Browser | undefined;
  let current: OpenPage | null = null;

  beforeAll(async () => {
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    const opened = current;
    current = null;
    if (!opened) return;
    const errors = [...opened.errors];
    await options.beforeClose?.(opened);
    await opened.context.close();
    expect(errors, "console errors on the page").toEqual([]);
  });

  const suite: Suite = {
    get browser(): Browser {
      if (!browser) throw new Error("the browser is launched in beforeAll");
      return browser;
    },
    get current(): OpenPage | null {
      return current;
    },
    track(opened: OpenPage): OpenPage {
      current = opened;
      return opened;
    },
    async open(url, viewport): Promise<Page> {
      const { page } = suite.track(await openPage(suite.browser, url));
      if (viewport) await page.setViewportSize(viewport);
      await page.getByTestId("palette-linear").waitFor();
      return page;
    },
  };
  return suite;
}
