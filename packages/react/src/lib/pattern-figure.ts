/**
 * Layout and drawing of one attention pattern (heatmap, axis labels, colour bar, title), shared
 * by the on-screen canvases and the PNG/SVG export so both always match.
 */
import type { AttentionTensor } from "./attention-data.js";
import { rgbCss, type ColorLUT } from "./color-scales.js";
import type { Figure } from "./export.js";
import { shortToken } from "./format-token.js";
import { heatmapBitmap, type HeatmapStyle } from "./heatmap.js";
import type { Painter } from "./painter.js";
import type { Theme } from "./theme.js";

export interface PatternLayout {
  /** Heatmap origin and size in CSS px. */
  x0: number;
  y0: number;
  w: number;
  h: number;
  cellW: number;
  cellH: number;
  queries: number;
  keys: number;
  width: number;
  height: number;
  labels: boolean;
  labelSize: number;
  colorBar: boolean;
  titleHeight: number;
  /** Axis and colour-bar titles drawn with the heatmap, or null for none. */
  axisTitles: AxisTitles | null;
}

/** What a heatmap's axes and colour bar measure; an empty string leaves that title out. */
export interface AxisTitles {
  /** Title of the vertical axis (the rows), drawn rotated at the left. */
  row: string;
  /** Title of the horizontal axis (the columns), drawn above the column labels. */
  column: string;
  /** Title of the colour bar, drawn above it. */
  colorBar: string;
}

/** The titles of an attention pattern's axes and colour bar. */
export const PATTERN_AXIS_TITLES: AxisTitles = {
  row: "Destination token",
  column: "Source token",
  colorBar: "Attention",
};

/** The axis-title props every heatmap takes. */
export interface AxisTitleProps {
  showAxisLabels?: boolean;
  rowTitle?: string;
  columnTitle?: string;
  colorBarTitle?: string;
}

/** A component's titles from its props over its defaults; null when `showAxisLabels` is false. */
export function axisTitlesFrom(p: AxisTitleProps, defaults: AxisTitles): AxisTitles | null {
  if (p.showAxisLabels === false) return null;
  return {
    row: p.rowTitle ?? defaults.row,
    column: p.columnTitle ?? defaults.column,
    colorBar: p.colorBarTitle ?? defaults.colorBar,
  };
}

/** Height of the band an axis title takes (px). */
export const AXIS_TITLE_BAND = 16;
const AXIS_TITLE_SIZE = 11;
/** Rough width of a title at its font size, to reserve room for it (no canvas needed). */
const titleWidth = (t: string) => Math.ceil(t.length * AXIS_TITLE_SIZE * 0.58);
const COLOR_BAR_WIDTH = 56;

/** Width of the colour bar's column, with room for its title. */
function colorBarColumn(colorBar: boolean, titles: AxisTitles | null): number {
  if (!colorBar) return 0;
  return Math.max(COLOR_BAR_WIDTH, titles?.colorBar ? 10 + titleWidth(titles.colorBar) : 0);
}

/** Axis labels are drawn only when cells are at least this tall (px). */
export const MIN_LABEL_CELL = 7;

export function patternLayout(
  queries: number,
  keys: number,
  size: number,
  opts: { labels: boolean; colorBar: boolean; title: boolean; axisTitles?: AxisTitles | null },
): PatternLayout {
  const longest = Math.max(queries, keys);
  const cell = size / longest;
  const labels = opts.labels && cell >= MIN_LABEL_CELL;
  const labelSize = Math.min(12, Math.max(8, Math.floor(cell) - 1));
  const margin = labels ? Math.round(labelSize * 7.5) : 0;
  const titleHeight = opts.title ? 22 : 0;
  const axisTitles = opts.labels ? (opts.axisTitles ?? null) : null;
  const band = axisTitles ? AXIS_TITLE_BAND : 0;
  const w = cell * keys;
  const h = cell * queries;
  const x0 = band + margin;
  const y0 = titleHeight + band + margin;
  return {
    x0,
    y0,
    w,
    h,
    cellW: cell,
    cellH: cell,
    queries,
    keys,
    width: Math.ceil(x0 + w + colorBarColumn(opts.colorBar, axisTitles) + 4),
    height: Math.ceil(y0 + h + 4),
    labels,
    labelSize,
    colorBar: opts.colorBar,
    titleHeight,
    axisTitles,
  };
}

/**
 * Layout of a general labelled matrix (rows × columns with their own cell width and height and
 * label margins), drawn by patternFigure like a pattern: row labels on the left, column labels
 * rotated on top.
 */
export function matrixLayout(
  rows: number,
  cols: number,
  opts: {
    cellW: number;
    cellH: number;
    rowMargin: number;
    colMargin: number;
    colorBar: boolean;
    title: boolean;
    axisTitles?: AxisTitles | null;
  },
): PatternLayout {
  const titleHeight = opts.title ? 22 : 0;
  const axisTitles = opts.axisTitles ?? null;
  const band = axisTitles ? AXIS_TITLE_BAND : 0;
  const w = opts.cellW * cols;
  const h = opts.cellH * rows;
  const x0 = band + opts.rowMargin;
  const y0 = titleHeight + band + opts.colMargin;
  const labels = opts.rowMargin > 0 || opts.colMargin > 0;
  return {
    x0,
    y0,
    w,
    h,
    cellW: opts.cellW,
    cellH: opts.cellH,
    queries: rows,
    keys: cols,
    width: Math.ceil(x0 + w + colorBarColumn(opts.colorBar, axisTitles) + 4),
    height: Math.ceil(y0 + Math.max(h, opts.colorBar ? Math.min(h, 160) : 0) + 4),
    labels,
    labelSize: Math.min(11, Math.max(8, Math.floor(opts.cellH) - 3)),
    colorBar: opts.colorBar,
    titleHeight,
    axisTitles,
  };
}

/** The cell under a point, or null outside the heatmap. */
export function cellAt(l: PatternLayout, x: number, y: number): { q: number; k: number } | null {
  const k = Math.floor((x - l.x0) / l.cellW);
  const q = Math.floor((y - l.y0) / l.cellH);
  if (k < 0 || q < 0 || k >= l.keys || q >= l.queries) return null;
  return { q, k };
}

export function drawColorBar(
  p: Painter,
  scale: ColorLUT,
  min: number,
  max: number,
  x: number,
  y: number,
  h: number,
  theme: Theme,
  mark?: number,
  title?: string,
): void {
  const steps = 32;
  for (let i = 0; i < steps; i++) {
    const j = Math.round((1 - i / (steps - 1)) * 255) * 3;
    p.rect(x, y + (i * h) / steps, 10, h / steps + 0.5, rgbCss([scale.rgb[j]!, scale.rgb[j + 1]!, scale.rgb[j + 2]!]));
  }
  p.rect(x, y, 10, h, null, theme.border);
  if (title) p.text(x, y - 5, title, { fill: theme.text, size: AXIS_TITLE_SIZE, baseline: "bottom" });
  const label = (v: number) =>
    Math.abs(v) >= 100 || (v !== 0 && Math.abs(v) < 0.01) ? v.toExponential(1) : String(+v.toFixed(2));
  p.text(x + 14, y, label(max), { fill: theme.muted, size: 10, baseline: "top" });
  p.text(x + 14, y + h, label(min), { fill: theme.muted, size: 10, baseline: "bottom" });
  if (mark !== undefined && max > min) {
    const my = y + h * (1 - (mark - min) / (max - min));
    p.line(
      [
        [x - 3, my],
        [x + 13, my],
      ],
      theme.text,
      2,
    );
    p.text(x + 14, my, label(mark), { fill: theme.text, size: 10, baseline: "middle", weight: "bold" });
  }
}

/**
 * Axis titles around a heatmap at (x0, y0) of size w × h: the row title rotated in the band at
 * `left`, the column title centred in the band at `top`.
 */
export function drawAxisTitles(
  p: Painter,
  t: AxisTitles,
  box: { x0: number; y0: number; w: number; h: number; left: number; top: number },
  theme: Theme,
): void {
  const s = { fill: theme.text, size: AXIS_TITLE_SIZE, anchor: "middle", baseline: "middle" } as const;
  if (t.column) p.text(box.x0 + box.w / 2, box.top + AXIS_TITLE_BAND / 2, t.column, s);
  if (t.row) p.text(box.left + AXIS_TITLE_BAND / 2, box.y0 + box.h / 2, t.row, { ...s, rotate: -90 });
}

export interface PatternFigureOptions {
  tensor: AttentionTensor;
  head: number;
  style: HeatmapStyle;
  layout: PatternLayout;
  queryTokens: readonly string[];
  keyTokens: readonly string[];
  theme: Theme;
  title?: string;
  /** Resolution cap of the painted bitmap, in cells per axis. */
  maxPixels: number;
  /** Longest axis label, in characters, before it is cut with "…". @default 14 */
  labelLength?: number;
}

export function patternFigure(o: PatternFigureOptions): Figure {
  const { layout: l, theme } = o;
  return {
    width: l.width,
    height: l.height,
    background: theme.background,
    draw(p) {
      if (o.title) p.text(0, 15, o.title, { fill: theme.text, size: 13, weight: "bold" });
      p.image(heatmapBitmap(o.tensor, o.head, o.style, o.maxPixels), l.x0, l.y0, l.w, l.h);
      if (l.labels) {
        const s = { fill: theme.muted, size: l.labelSize };
        // Rows too short to read a label get none (a tall matrix still labels its columns).
        for (let q = 0; l.cellH >= MIN_LABEL_CELL && q < l.queries; q++) {
          p.text(l.x0 - 4, l.y0 + (q + 0.5) * l.cellH, shortToken(o.queryTokens[q] ?? "", o.labelLength), {
            ...s,
            anchor: "end",
            baseline: "middle",
          });
        }
        for (let k = 0; k < l.keys; k++) {
          p.text(l.x0 + (k + 0.5) * l.cellW, l.y0 - 4, shortToken(o.keyTokens[k] ?? "", o.labelLength), {
            ...s,
            rotate: -90,
            baseline: "middle",
          });
        }
      }
      if (l.axisTitles)
        drawAxisTitles(p, l.axisTitles, { x0: l.x0, y0: l.y0, w: l.w, h: l.h, left: 0, top: l.titleHeight }, theme);
      if (l.colorBar)
        drawColorBar(
          p,
          o.style.scale,
          o.style.min,
          o.style.max,
          l.x0 + l.w + 10,
          l.y0,
          Math.min(l.h, 160),
          theme,
          undefined,
          l.axisTitles?.colorBar,
        );
    },
  };
}

/** Hover marks on a pattern: the active query row and/or key column, and the hovered cell. */
export function drawPatternOverlay(
  p: Painter,
  l: PatternLayout,
  theme: Theme,
  mark: { q?: number | null; k?: number | null; cell?: { q: number; k: number } | null },
): void {
  const band = Math.max(1, l.cellH);
  const stroke = theme.accent;
  // Thin marks on small heatmaps (thumbnails), bolder ones when cells are large.
  const lw = l.cellH < 4 ? 1 : 1.5;
  if (mark.q != null) {
    const y = l.y0 + mark.q * l.cellH;
    p.rect(l.x0 - 2, y - 1, l.w + 4, band + 2, null, stroke, lw);
    if (l.labels) p.rect(0, y, l.x0 - 2, band, rgbCss(theme.tokenHighlight, 0.18));
  }
  if (mark.k != null) {
    const x = l.x0 + mark.k * l.cellW;
    p.rect(x - 1, l.y0 - 2, Math.max(1, l.cellW) + 2, l.h + 4, null, stroke, lw);
  }
  if (mark.cell) {
    const { q, k } = mark.cell;
    p.rect(
      l.x0 + k * l.cellW - 1,
      l.y0 + q * l.cellH - 1,
      Math.max(2, l.cellW) + 2,
      Math.max(2, l.cellH) + 2,
      null,
      theme.text,
      2,
    );
  }
}

/** Cells at least this big in exports, so every token label is drawn (up to EXPORT_MAX px). */
const EXPORT_CELL = 9;
const EXPORT_MAX = 2400;

/**
 * What the PNG/SVG buttons save: the pattern at a size where token labels fit (up to 2,400 px
 * for 266 tokens), always with a title, and with the axes named under the heatmap.
 */
export function exportPatternFigure(
  o: Omit<PatternFigureOptions, "layout" | "maxPixels" | "title">,
  size: number,
  labels: boolean,
  title: string,
  axisTitles: AxisTitles | null = labels ? PATTERN_AXIS_TITLES : null,
): Figure {
  const { queries, keys } = o.tensor;
  const exportSize = Math.min(EXPORT_MAX, Math.max(size, EXPORT_CELL * Math.max(queries, keys)));
  const layout = patternLayout(queries, keys, exportSize, { labels, colorBar: true, title: true, axisTitles });
  const fig = patternFigure({ ...o, layout, title, maxPixels: exportSize * 2 });
  return {
    ...fig,
    height: fig.height + 18,
    draw(p) {
      fig.draw(p);
      p.text(
        layout.x0,
        layout.y0 + layout.h + 16,
        `rows: destination (query) ↓ · columns: source (key) → · ${queries} × ${keys}`,
        { fill: o.theme.muted, size: 10 },
      );
    },
  };
}
