/** Token colours for arbitrary per-token values (ColoredTokens). */
import {
  colorAt,
  getColorScale,
  rgbCss,
  textColorOn,
  type ColorLUT,
  type ColorScaleName,
  type RGB,
} from "./color-scales.js";
import type { Theme } from "./theme.js";

/** Blue for negative, orange for positive: a pair that stays distinct with every common colour-vision deficiency. */
export const NEGATIVE: RGB = [33, 102, 172];
export const POSITIVE: RGB = [230, 126, 34];

export interface ValueColors {
  bg: (string | null)[];
  fg: (string | null)[];
}

/**
 * "auto": opacity encodes magnitude over a single hue (or blue/orange for signed values), which
 * reads on both light and dark backgrounds. A named scale paints each token with the scale's colour.
 */
export function valueColors(
  values: ArrayLike<number>,
  min: number,
  max: number,
  scale: "auto" | ColorScaleName | ColorLUT,
  theme: Theme,
): ValueColors {
  const n = values.length;
  const bg = new Array<string | null>(n);
  const fg = new Array<string | null>(n);
  if (scale === "auto") {
    const signed = min < 0;
    const span = signed ? Math.max(Math.abs(min), Math.abs(max)) : max - min;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      const mag = span > 0 ? Math.min(1, Math.abs(signed ? v : v - min) / span) : 0;
      const hue = signed ? (v < 0 ? NEGATIVE : POSITIVE) : theme.tokenHighlight;
      bg[i] = mag > 0.01 ? rgbCss(hue, 0.08 + 0.82 * mag) : null;
      fg[i] = mag > 0.6 ? (theme.name === "dark" && !signed ? "#111" : "#fff") : null;
    }
    return { bg, fg };
  }
  const lut = typeof scale === "string" ? getColorScale(scale) : scale;
  for (let i = 0; i < n; i++) {
    const c = colorAt(lut, values[i]!, min, max);
    bg[i] = rgbCss(c);
    fg[i] = textColorOn(c);
  }
  return { bg, fg };
}
