// plotly.js-dist-min ships no types; src/charts/plotly.ts types the few calls the page makes.
declare module "plotly.js-dist-min" {
  const Plotly: unknown;
  export default Plotly;
}
