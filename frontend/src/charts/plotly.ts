// Plotly, loaded on first use (it is most of the page's bytes), typed for the calls made here.

export interface Trace {
  x: number[];
  y: number[];
  name: string;
  type: "scatter";
  mode: "lines";
  line: { color: string; width: number; dash?: string };
  hovertemplate?: string;
}

export type Layout = Record<string, unknown>;

/** A trace other than a curve (a contour, say), in Plotly's own keys. */
export type AnyTrace = Trace | Record<string, unknown>;

export interface PlotlyApi {
  newPlot(el: HTMLElement, data: Trace[], layout: Layout, config: Record<string, unknown>): Promise<unknown>;
  extendTraces(el: HTMLElement, update: { x: number[][]; y: number[][] }, indices: number[]): Promise<unknown>;
  react(el: HTMLElement, data: AnyTrace[], layout: Layout, config: Record<string, unknown>): Promise<unknown>;
  restyle(el: HTMLElement, update: Record<string, unknown>, indices?: number[]): Promise<unknown>;
  relayout(el: HTMLElement, update: Layout): Promise<unknown>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): Promise<unknown> | void };
}

let loading: Promise<PlotlyApi> | null = null;

export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= import("plotly.js-dist-min").then((module) => {
    const candidate: unknown = module.default ?? module;
    return candidate as PlotlyApi;
  });
  return loading;
}
