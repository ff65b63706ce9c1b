// The setup every browser test file shares: one Chromium for the file, the page a test
// opened (and any more it opened, each in a browser context of its own: another person)
// closed after it, with no console errors allowed on them, and the folder the screenshots go to.
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
  /**
   * Open one more page, in a context of its own (its own storage: another person at
   * another machine), checked and closed after the test like the first; waits for the palette
   * (or for `waitFor`, a selector, on a page that is not the playground).
   */
  openAnother(url: string, options?: { waitFor?: string }): Promise<Page>;
  /** The pages `openAnother` opened for the running test, in order; a test may edit their `errors`. */
  readonly others: readonly OpenPage[];
}

export interface SuiteOptions {
  /** Run on the test's page after its errors are taken and before it closes. */
  beforeClose?: (opened: OpenPage) => Promise<void>;
}

/** Register the file's hooks: the browser launched and closed, each test's page checked and closed. */
export function browserSuite(options: SuiteOptions = {}): Suite {
  let browser: Browser | undefined;
  let current: OpenPage | null = null;
  let others: OpenPage[] = [];

  beforeAll(async () => {
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    const extra = others;
    others = [];
    const extraErrors = extra.flatMap((o, i) => o.errors.map((e) => `page ${i + 2}: ${e}`));
    for (const o of extra) await o.context.close();
    const opened = current;
    current = null;
    if (opened) {
      const errors = [...opened.errors];
      await options.beforeClose?.(opened);
      await opened.context.close();
      expect(errors, "console errors on the page").toEqual([]);
    }
    expect(extraErrors, "console errors on the other pages").toEqual([]);
  });

  const suite: Suite = {
    get browser(): Browser {
      if (!browser) throw new Error("the browser is launched in beforeAll");
      return browser;
    },
    get current(): OpenPage | null {
      return current;
    },
    get others(): readonly OpenPage[] {
      return others;
    },
    track(opened: OpenPage): OpenPage {
      current = opened;
      return opened;
    },
    async openAnother(url, options): Promise<Page> {
      const opened = await openPage(suite.browser, url);
      others.push(opened);
      const waitFor = options?.waitFor;
      await (waitFor ? opened.page.locator(waitFor).first() : opened.page.getByTestId("palette-linear")).waitFor();
      return opened.page;
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
