/**
 * The colour props every heatmap shares, resolved to one baked scale: a named scale, or
 * CircuitsVis's `negativeColor` / `positiveColor` pair (white at zero).
 */
import { getColorScale, twoColorScale, type ColorLUT, type ColorScaleName } from "./color-scales.js";
import { parseCssColor } from "./css-color.js";
import { NEGATIVE, POSITIVE } from "./value-colors.js";

export interface ColorProps {
  /** Colour scale. Ignored when `negativeColor` or `positiveColor` is given. */
  colorScale?: ColorScaleName;
  /** CSS colour of negative values (CircuitsVis semantics: white at zero, this colour at `minValue`). @default blue when `positiveColor` is set */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero, this colour at `maxValue`). @default orange when `negativeColor` is set */
  positiveColor?: string;
}

/** The scale the props ask for over [min, max]; `fallback` when they name none. */
export function scaleFromProps(p: ColorProps, min: number, max: number, fallback: ColorScaleName): ColorLUT {
  if (p.negativeColor !== undefined || p.positiveColor !== undefined) {
    const neg = p.negativeColor !== undefined ? parseCssColor(p.negativeColor, "negativeColor") : NEGATIVE;
    const pos = p.positiveColor !== undefined ? parseCssColor(p.positiveColor, "positiveColor") : POSITIVE;
    return twoColorScale(neg, pos, min, max);
  }
  return getColorScale(p.colorScale ?? fallback);
}
