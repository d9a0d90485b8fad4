/**
 * Colour scales used by every component. All of them are readable with the common forms of
 * colour-vision deficiency: viridis and cividis are perceptually uniform sequential scales,
 * "blues" is a single-hue lightness ramp and "blue-orange" is a diverging scale whose two arms
 * differ in hue (blue vs orange) as well as lightness.
 *
 * Each scale is baked into a 256-entry lookup table (RGB bytes) so painting a heatmap is one
 * table read per cell.
 */

/** Name of a built-in colour scale. */
export type ColorScaleName = "viridis" | "cividis" | "blues" | "blue-orange";

/** A baked colour scale: 256 RGB triples, index 0 = low end, 255 = high end. */
export interface ColorLUT {
  /** A built-in scale's name, or a key naming a custom scale (used to cache painted bitmaps). */
  readonly name: ColorScaleName | (string & {});
  /** true for scales centred on zero (values map from [-max, max]). */
  readonly diverging: boolean;
  /** 256 × [r, g, b] bytes. */
  readonly rgb: Uint8Array;
}

/** RGB triple, 0–255 per channel. */
export type RGB = readonly [number, number, number];

// Degree-6 polynomial fit of matplotlib's viridis (public-domain fit, max error < 1/255).
const VIRIDIS_COEFFS: readonly RGB[] = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

// Ten evenly spaced stops of cividis (blue to yellow, designed for deuteranopia/protanopia).
const CIVIDIS_STOPS = [
  "#00224e",
  "#123570",
  "#3b496c",
  "#575d6d",
  "#707173",
  "#8a8678",
  "#a59c74",
  "#c3b369",
  "#e1cc55",
  "#fee838",
];

// White to dark blue (ColorBrewer "Blues" end points, lightness-only so safe for every CVD type).
const BLUES_STOPS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];

// Blue (negative) – near white (zero) – orange (positive); ColorBrewer PuOr/RdBu family.
const BLUE_ORANGE_STOPS = ["#2166ac", "#92c5de", "#f7f7f7", "#fdb863", "#b35806"];

function hexToRgb(hex: string): RGB {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function bakeStops(stops: readonly string[]): Uint8Array {
  const rgb = stops.map(hexToRgb);
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * (rgb.length - 1);
    const lo = Math.min(Math.floor(pos), rgb.length - 2);
    const f = pos - lo;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(rgb[lo]![c]! * (1 - f) + rgb[lo + 1]![c]! * f);
  }
  return out;
}

function bakeViridis(): Uint8Array {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = VIRIDIS_COEFFS.length - 1; k >= 0; k--) v = v * t + VIRIDIS_COEFFS[k]![c]!;
      out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  return out;
}

const cache = new Map<ColorScaleName, ColorLUT>();

/** The baked lookup table of a built-in scale (computed once, then cached). */
export function getColorScale(name: ColorScaleName): ColorLUT {
  let lut = cache.get(name);
  if (lut) return lut;
  switch (name) {
    case "viridis":
      lut = { name, diverging: false, rgb: bakeViridis() };
      break;
    case "cividis":
      lut = { name, diverging: false, rgb: bakeStops(CIVIDIS_STOPS) };
      break;
    case "blues":
      lut = { name, diverging: false, rgb: bakeStops(BLUES_STOPS) };
      break;
    case "blue-orange":
      lut = { name, diverging: true, rgb: bakeStops(BLUE_ORANGE_STOPS) };
      break;
    default:
      throw new Error(`Unknown colour scale "${String(name)}"; use one of viridis, cividis, blues, blue-orange`);
  }
  cache.set(name, lut);
  return lut;
}

/** Position 0–255 of `value` on a scale spanning [min, max] (clamped; NaN maps to 0). */
export function lutIndex(value: number, min: number, max: number): number {
  const span = max - min;
  const t = span > 0 ? (value - min) / span : 0;
  if (!(t > 0)) return 0;
  if (t >= 1) return 255;
  return (t * 255 + 0.5) | 0;
}

/** Colour of `value` on `scale` over [min, max] as an RGB triple. */
export function colorAt(scale: ColorLUT, value: number, min: number, max: number): RGB {
  const i = lutIndex(value, min, max) * 3;
  return [scale.rgb[i]!, scale.rgb[i + 1]!, scale.rgb[i + 2]!];
}

/** CSS `rgb()` string of an RGB triple. */
export function rgbCss([r, g, b]: RGB, alpha = 1): string {
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha.toFixed(3)})`;
}

/** Relative luminance (WCAG) of an RGB triple, used to pick readable text on a coloured cell. */
export function luminance([r, g, b]: RGB): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Black or white, whichever reads better on `background`. */
export function textColorOn(background: RGB): string {
  return luminance(background) > 0.4 ? "#111" : "#fff";
}

const MAX_CUSTOM_SCALES = 32;
const customCache = new Map<string, ColorLUT>();

/**
 * CircuitsVis's two-colour scale over [min, max]: zero is white, positive values mix towards
 * `positive` in proportion to value / max, negative ones towards `negative` in proportion to
 * value / min. Baked into a LUT spanning [min, max] so heatmaps paint it like any other scale.
 */
export function twoColorScale(negative: RGB, positive: RGB, min: number, max: number): ColorLUT {
  const name = `two-color:${negative.join(",")}:${positive.join(",")}:${min}:${max}`;
  const hit = customCache.get(name);
  if (hit) return hit;
  const rgb = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = min + ((max - min) * i) / 255;
    const [target, f] = v >= 0 ? [positive, max > 0 ? v / max : 0] : [negative, min < 0 ? v / min : 0];
    const a = Math.min(1, Math.max(0, f));
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(255 + (target[c]! - 255) * a);
  }
  const lut: ColorLUT = { name, diverging: min < 0, rgb };
  customCache.set(name, lut);
  if (customCache.size > MAX_CUSTOM_SCALES) customCache.delete(customCache.keys().next().value!);
  return lut;
}

/**
 * Colour of `value` on a diverging scale whose neutral middle sits at `center` (e.g. a
 * composition-score baseline): [min, center] maps to the lower half, [center, max] to the upper.
 */
export function colorAtCentered(scale: ColorLUT, value: number, min: number, center: number, max: number): RGB {
  const t =
    value < center
      ? center > min
        ? 0.5 * ((value - min) / (center - min))
        : 0
      : max > center
        ? 0.5 + 0.5 * ((value - center) / (max - center))
        : 1;
  return colorAt(scale, t, 0, 1);
}
