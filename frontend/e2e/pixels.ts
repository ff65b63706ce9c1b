// What the page's canvases have drawn, counted in the browser: how the tests tell that a
// view painted something, not what.
import type { Page } from "playwright-core";

/** Pixels a canvas has drawn (alpha > 0). */
export const painted = (page: Page, testId: string): Promise<number> =>
  page.getByTestId(testId).evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
    return n;
  });

/**
 * How much the panels of a test id have drawn: painted pixels of their canvases, or (a table,
 * a Plotly chart) their text. The count runs in the page, so it cannot call `painted`.
 */
export const drawn = (page: Page, testId: string): Promise<number> =>
  page.getByTestId(testId).evaluateAll((els) => {
    let total = 0;
    for (const el of els) {
      let painted = 0;
      for (const canvas of el.querySelectorAll("canvas")) {
        const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) painted++;
      }
      total += painted || (el.querySelector("svg.main-svg, table") ? (el.textContent ?? "").trim().length : 0);
    }
    return total;
  });
