/**
 * Programmatic export: build the same figure a component shows, without mounting it, and turn it
 * into PNG or SVG. Browser only (painting needs a canvas).
 */
import { toPatternTensor, type PatternInput } from "./attention-data.js";
import { getColorScale, type ColorScaleName } from "./color-scales.js";
import type { Figure } from "./export.js";
import { patternFigure, patternLayout } from "./pattern-figure.js";
import { resolveTheme, type ThemeProp } from "./theme.js";

export { figureToCanvas, figureToPNG, figureToSVG, downloadFigure } from "./export.js";

/** Options of attentionPatternFigure; the same meaning as AttentionPattern's props. */
export interface AttentionPatternFigureOptions {
  tokens: string[];
  queryTokens?: string[];
  keyTokens?: string[];
  attention: PatternInput;
  /** @default 0 */
  minValue?: number;
  /** @default 1 */
  maxValue?: number;
  /** @default "viridis" */
  colorScale?: ColorScaleName;
  /** @default true when queries and keys are the same tokens */
  maskUpperTriangle?: boolean;
  /** @default true */
  showAxisLabels?: boolean;
  /** @default 400 */
  size?: number;
  /** @default none */
  title?: string;
  /** "auto" resolves to light here (no reader preference outside a page). @default "light" */
  theme?: ThemeProp;
}

/** One attention pattern as a Figure, e.g. `figureToSVG(attentionPatternFigure({ tokens, attention }))`. */
export function attentionPatternFigure(o: AttentionPatternFigureOptions): Figure {
  const q = o.queryTokens ?? o.tokens;
  const k = o.keyTokens ?? o.tokens;
  const same = q.length === k.length && q.every((t, i) => t === k[i]);
  const tensor = toPatternTensor(o.attention, q.length, k.length);
  const theme = resolveTheme(o.theme ?? "light");
  const size = o.size ?? 400;
  const layout = patternLayout(q.length, k.length, size, {
    labels: o.showAxisLabels ?? true,
    colorBar: true,
    title: !!o.title,
  });
  const style = {
    scale: getColorScale(o.colorScale ?? "viridis"),
    min: o.minValue ?? 0,
    max: o.maxValue ?? 1,
    maskUpper: o.maskUpperTriangle ?? same,
    maskColor: theme.mask,
  };
  return patternFigure({
    tensor,
    head: 0,
    style,
    layout,
    queryTokens: q,
    keyTokens: k,
    theme,
    title: o.title,
    maxPixels: size * 2,
  });
}
