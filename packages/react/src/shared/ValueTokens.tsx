import { useMemo } from "react";
import { twoColorScale, type ColorScaleName } from "../lib/color-scales.js";
import { parseCssColor } from "../lib/css-color.js";
import type { Theme } from "../lib/theme.js";
import { NEGATIVE, POSITIVE, valueColors, type ValueColors } from "../lib/value-colors.js";
import { TokenStrip } from "./TokenStrip.js";

/** Colour range of a series: symmetric around zero for signed values, else 0 … max. */
export function valueRange(
  values: ArrayLike<number>,
  minValue?: number,
  maxValue?: number,
): { min: number; max: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const absMax = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
  return { min: minValue ?? (lo < 0 ? -absMax : 0), max: maxValue ?? absMax };
}

/** Background and text colour per token for the colour props every token view takes. */
export function tokenColors(
  values: ArrayLike<number>,
  min: number,
  max: number,
  theme: Theme,
  p: { colorScale?: "auto" | ColorScaleName; negativeColor?: string; positiveColor?: string },
): ValueColors {
  const custom = p.negativeColor !== undefined || p.positiveColor !== undefined;
  const scale = custom
    ? twoColorScale(
        p.negativeColor !== undefined ? parseCssColor(p.negativeColor, "negativeColor") : NEGATIVE,
        p.positiveColor !== undefined ? parseCssColor(p.positiveColor, "positiveColor") : POSITIVE,
        min,
        max,
      )
    : (p.colorScale ?? "auto");
  return valueColors(values, min, max, scale, theme);
}

export interface ValueTokensProps {
  tokens: readonly string[];
  values: ArrayLike<number>;
  min: number;
  max: number;
  theme: Theme;
  /** "auto" (opacity of one hue, blue/orange when signed) or a named scale. */
  colorScale?: "auto" | ColorScaleName;
  /** CircuitsVis colours: white at zero, these at min / max. */
  negativeColor?: string;
  positiveColor?: string;
  describe: (i: number) => string;
  active: number | null;
  locked: boolean;
  onHover?: (i: number | null) => void;
  onSelect?: (i: number) => void;
  ariaLabel: string;
  canvasThreshold?: number;
}

/** Tokens coloured by one value each; the shared body of every token-colouring view. */
export function ValueTokens(p: ValueTokensProps) {
  const { negativeColor, positiveColor, colorScale, values, min, max, theme } = p;
  const colors = useMemo(
    () => tokenColors(values, min, max, theme, { colorScale, negativeColor, positiveColor }),
    [values, min, max, theme, colorScale, negativeColor, positiveColor],
  );
  return (
    <TokenStrip
      tokens={p.tokens}
      backgrounds={colors.bg}
      foregrounds={colors.fg}
      active={p.active}
      locked={p.locked}
      theme={theme}
      describe={p.describe}
      onHover={p.onHover}
      onSelect={p.onSelect}
      ariaLabel={p.ariaLabel}
      canvasThreshold={p.canvasThreshold ?? 400}
    />
  );
}
