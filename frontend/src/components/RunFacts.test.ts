import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, test } from "vitest";
import { ParamsFact, SpreadFact } from "./RunFacts";

describe("ParamsFact", () => {
  test("the count with its test id, or a placeholder while counted", () => {
    const html = renderToStaticMarkup(createElement(ParamsFact, { id: "r1", total: 33280 }));
    expect(html).toContain('data-testid="compare-params-r1"');
    expect(html).toContain('data-params="33280"');
    expect(html).toContain(">33,280 parameters<");
    expect(renderToStaticMarkup(createElement(ParamsFact, { id: "r1", total: null }))).toContain(">… parameters<");
  });
});

describe("SpreadFact", () => {
  test("the spread, its points and over how many in the title", () => {
    const html = renderToStaticMarkup(createElement(SpreadFact, { id: "r2", spread: 0.3142, points: 50, n: 50 }));
    expect(html).toContain('data-testid="compare-spread-r2"');
    expect(html).toContain('data-spread="0.3142"');
    expect(html).toContain('data-points="50"');
    expect(html).toContain("over the last 50 train losses");
    expect(html).toContain(">step-to-step spread 0.31<");
  });
});
