import { useMemo } from "react";
import type { AttentionTensor } from "../lib/attention-data.js";
import type { ColorScaleName } from "../lib/color-scales.js";
import type { Figure } from "../lib/export.js";
import type { HeatmapStyle } from "../lib/heatmap.js";
import {
  axisTitlesFrom,
  exportPatternFigure,
  patternFigure,
  patternLayout,
  PATTERN_AXIS_TITLES,
  type PatternLayout,
} from "../lib/pattern-figure.js";
import type { Theme } from "../lib/theme.js";
import { scaleFromProps } from "../lib/scale-props.js";

/** The props of a pattern heatmap's look, shared by `AttentionPattern` and `AttentionPatterns`. */
export interface PatternFigureProps {
  /** Value at the top of the colour scale. @default 1 */
  maxValue?: number;
  /** Value at the bottom of the colour scale. @default 0 */
  minValue?: number;
  /** Colour scale of the heatmap. @default "viridis" */
  colorScale?: ColorScaleName;
  /** Grey out cells above the diagonal (key after query). @default true when queries and keys are the same tokens */
  maskUpperTriangle?: boolean;
  /** CircuitsVis's name for `maskUpperTriangle` (used when that is not given). @default as maskUpperTriangle */
  maskUpperTri?: boolean;
  /** CSS colour of negative values (CircuitsVis two-colour scale: white at zero, this at `minValue`); overrides `colorScale`. @default none */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero, this at `maxValue`); overrides `colorScale`. @default none */
  positiveColor?: string;
  /** Token labels on the heatmap's axes when cells are big enough to read them, and the axis and colour-bar titles; false hides both. @default true */
  showAxisLabels?: boolean;
  /** Title of the vertical axis (rows); "" leaves it out. @default "Destination token" */
  rowTitle?: string;
  /** Title of the horizontal axis (columns); "" leaves it out. @default "Source token" */
  columnTitle?: string;
  /** Title of the colour bar; "" leaves it out. @default "Attention" */
  colorBarTitle?: string;
}

export interface PatternFigureInput {
  props: PatternFigureProps;
  tensor: AttentionTensor;
  /** Which head of `tensor` the figure shows. */
  head: number;
  queryTokens: readonly string[];
  keyTokens: readonly string[];
  theme: Theme;
  /** The heatmap's longer side, in CSS px. */
  size: number;
  /** Heading drawn above the heatmap; undefined leaves room for none. */
  title: string | undefined;
  /** Heading of an exported PNG/SVG. */
  exportTitle: string;
}

export interface PatternFigureState {
  style: HeatmapStyle;
  /** Whether cells above the diagonal are greyed out (the key comes after the query). */
  maskUpper: boolean;
  layout: PatternLayout;
  figure: Figure;
  /** The figure at export resolution, built only when asked for. */
  exportFigure: () => Figure;
}

/** True when the query and key token lists are the same sequence (one shared axis, a causal mask). */
export function sameTokenLists(q: readonly string[], k: readonly string[]): boolean {
  return q === k || (q.length === k.length && q.every((t, i) => t === k[i]));
}

/**
 * The colour style, layout and figure of one head's pattern heatmap: the part of the pattern views that
 * does not depend on how heads and tokens are picked, so the single-head and the multi-head views draw alike.
 */
export function usePatternFigure(o: PatternFigureInput): PatternFigureState {
  const { props, tensor, head, queryTokens, keyTokens, theme, size, title, exportTitle } = o;
  const { colorScale, negativeColor, positiveColor, showAxisLabels, rowTitle, columnTitle, colorBarTitle } = props;
  const min = props.minValue ?? 0;
  const max = props.maxValue ?? 1;
  const maskUpper = props.maskUpperTriangle ?? props.maskUpperTri ?? sameTokenLists(queryTokens, keyTokens);
  const style: HeatmapStyle = useMemo(
    () => ({
      scale: scaleFromProps({ colorScale, negativeColor, positiveColor }, min, max, "viridis"),
      min,
      max,
      maskUpper,
      maskColor: theme.mask,
    }),
    [colorScale, negativeColor, positiveColor, min, max, maskUpper, theme.mask],
  );
  const titles = useMemo(
    () => axisTitlesFrom({ showAxisLabels, rowTitle, columnTitle, colorBarTitle }, PATTERN_AXIS_TITLES),
    [showAxisLabels, rowTitle, columnTitle, colorBarTitle],
  );
  const labels = showAxisLabels ?? true;
  const hasTitle = title !== undefined && title !== "";
  const layout = useMemo(
    () =>
      patternLayout(tensor.queries, tensor.keys, size, { labels, colorBar: true, title: hasTitle, axisTitles: titles }),
    [tensor.queries, tensor.keys, size, labels, hasTitle, titles],
  );
  // The bitmap is painted at device resolution (capped at 2×) so cells stay crisp without huge canvases.
  const maxPixels = Math.ceil(size * (typeof window === "undefined" ? 1 : Math.min(2, window.devicePixelRatio || 1)));
  const figure = useMemo(
    () => patternFigure({ tensor, head, style, layout, queryTokens, keyTokens, theme, title, maxPixels }),
    [tensor, head, style, layout, queryTokens, keyTokens, theme, title, maxPixels],
  );
  const exportFigure = () =>
    exportPatternFigure({ tensor, head, style, queryTokens, keyTokens, theme }, size, labels, exportTitle, titles);
  return { style, maskUpper, layout, figure, exportFigure };
}
