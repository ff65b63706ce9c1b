// Colour maps as 256-entry lookup tables, built from a few control points by linear
// interpolation. Viridis and cividis are perceptually ordered and readable with the
// common colour-vision deficiencies; the blue-orange diverging map (Okabe-Ito's blue
// and orange ends, light middle) shows which side of 0.5 a probability falls.

/** 256 RGB triples, flat: entry i at [3i, 3i+1, 3i+2]. */
export type Lut = Uint8Array;

function hex(colour: string): [number, number, number] {
  const v = Number.parseInt(colour.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** A table from evenly spaced control colours. */
export function buildLut(stops: readonly string[]): Lut {
  const rgb = stops.map(hex);
  const lut = new Uint8Array(256 * 3);
  const last = rgb.length - 1;
  for (let i = 0; i < 256; i++) {
    const at = (i / 255) * last;
    const k = Math.min(Math.floor(at), last - 1);
    const f = at - k;
    const a = rgb[k] as [number, number, number];
    const b = rgb[k + 1] as [number, number, number];
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round((a[c] as number) * (1 - f) + (b[c] as number) * f);
  }
  return lut;
}

// viridis and cividis at 9 evenly spaced points (matplotlib's maps).
export const VIRIDIS = buildLut(["#440154", "#472d7b", "#3b528b", "#2c728e", "#21908c", "#27ad81", "#5dc863", "#aadc32", "#fde725"]);
export const CIVIDIS = buildLut(["#00204d", "#00336f", "#39486b", "#575c6d", "#707173", "#8a8779", "#a69d75", "#c4b56c", "#ffea46"]);
/** 0: blue (class 0), 0.5: light grey, 1: orange (class 1). */
export const BLUE_ORANGE = buildLut(["#0b4f8a", "#3f8fc9", "#b9d6ec", "#f4f4f4", "#f6d39a", "#e69f00", "#a65600"]);

/** Okabe-Ito colours for classes (beyond 8, they repeat). */
export const CLASS_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"].map(hex);

/** The table's index of value v on the range lo..hi (clamped; NaN gives -1). */
export function lutIndex(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return -1;
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return Math.max(0, Math.min(255, Math.round(t * 255)));
}

/** Finite min and max of values (0, 1 when there are none). */
export function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [0, 1];
}

/** RGBA pixels of values through a table; non-finite values are transparent. */
export function toRgba(values: ArrayLike<number>, lut: Lut, lo: number, hi: number, out?: Uint8ClampedArray): Uint8ClampedArray {
  const pixels = out ?? new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const k = lutIndex(values[i] as number, lo, hi);
    const p = i * 4;
    if (k < 0) {
      pixels[p + 3] = 0;
      continue;
    }
    pixels[p] = lut[k * 3] as number;
    pixels[p + 1] = lut[k * 3 + 1] as number;
    pixels[p + 2] = lut[k * 3 + 2] as number;
    pixels[p + 3] = 255;
  }
  return pixels;
}

/** A CSS colour of a table's entry at t in 0..1. */
export function cssColour(lut: Lut, t: number): string {
  const k = Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${lut[k * 3]}, ${lut[k * 3 + 1]}, ${lut[k * 3 + 2]})`;
}

/** Black or white text, whichever reads better on the table's colour at t. */
export function inkOn(lut: Lut, t: number): string {
  const k = Math.max(0, Math.min(255, Math.round(t * 255)));
  const luma = 0.299 * (lut[k * 3] as number) + 0.587 * (lut[k * 3 + 1] as number) + 0.114 * (lut[k * 3 + 2] as number);
  return luma > 140 ? "#000" : "#fff";
}

/** The CSS colour of class k (Okabe-Ito, repeating). */
export function classColour(k: number): string {
  const [r, g, b] = CLASS_COLOURS[((Math.round(k) % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length] as [number, number, number];
  return `rgb(${r}, ${g}, ${b})`;
}

/** RGBA of one image [c, h, w] (at offset in images) with values in lo..hi: RGB when c is 3, else its first channel in grey. */
export function imageRgba(images: ArrayLike<number>, offset: number, c: number, h: number, w: number, lo = 0, hi = 1): Uint8ClampedArray {
  const size = h * w;
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8ClampedArray(size * 4);
  for (let p = 0; p < size; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = images[offset + (c === 3 ? ch : 0) * size + p] as number;
      out[p * 4 + ch] = Number.isFinite(v) ? ((v - lo) / span) * 255 : 0;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Background (class 0) of a label map. */
export const BACKGROUND: [number, number, number] = [232, 236, 240];

/** The colour of label k on a segmentation map: background light grey, objects the class colours from the first. */
export function labelRgb(k: number): [number, number, number] {
  if (!(k > 0)) return BACKGROUND;
  return CLASS_COLOURS[(Math.round(k) - 1) % CLASS_COLOURS.length] as [number, number, number];
}

/** The CSS colour of label k (labelRgb's): a segmentation legend's swatch. */
export function labelColour(k: number): string {
  const [r, g, b] = labelRgb(k);
  return `rgb(${r}, ${g}, ${b})`;
}

/** RGBA of a label map [h, w] (at offset in masks). */
export function labelRgba(masks: ArrayLike<number>, offset: number, size: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * 4);
  for (let p = 0; p < size; p++) {
    const [r, g, b] = labelRgb(masks[offset + p] as number);
    out[p * 4] = r;
    out[p * 4 + 1] = g;
    out[p * 4 + 2] = b;
    out[p * 4 + 3] = 255;
  }
  return out;
}
