import { useMemo, useState } from "react";
import { toPatternTensor, type PatternInput } from "../lib/attention-data.js";
import type { ColorScaleName } from "../lib/color-scales.js";
import { formatValue, shortToken } from "../lib/format-token.js";
import type { HeatmapStyle } from "../lib/heatmap.js";
import type { Painter } from "../lib/painter.js";
import {
  axisTitlesFrom,
  drawPatternOverlay,
  matrixLayout,
  MIN_LABEL_CELL,
  patternFigure,
} from "../lib/pattern-figure.js";
import { scaleFromProps } from "../lib/scale-props.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { FigureCanvas } from "../shared/FigureCanvas.js";
import { Tooltip } from "../shared/Tooltip.js";
import { useCellCursor, type Cell } from "../shared/use-cell-cursor.js";

/** A cell of the attribution: the position predicting the next token, and a component. */
export interface AttributionCell {
  /** Row: position t, whose output predicts token t + 1 (or token t itself when rows = tokens). */
  position: number;
  /** Column index into `labels`. */
  component: number;
  value: number;
}

export interface LogitAttributionProps {
  /** The sequence's tokens (with BOS). */
  tokens: string[];
  /**
   * Direct logit attribution [positions][components]: how much each component (the direct path,
   * each head, later MLPs) adds to the logit of the correct next token. With T − 1 rows (ARENA's
   * `logit_attribution`), row t is the prediction of token t + 1; with T rows, row t belongs to
   * token t. Nested arrays, a flat Float32Array (row-major), or `{ data, shape }`.
   */
  attribution: PatternInput;
  /** One label per component (column), e.g. ["direct", "0.0", …, "1.11"]. */
  labels: string[];
  /** The correct next token's full logit per row, shown beside the parts. @default none */
  correctLogits?: ArrayLike<number>;
  /** Value at the low end of the colour scale. @default −max(|attribution|) */
  minValue?: number;
  /** Value at the high end of the colour scale. @default max(|attribution|) */
  maxValue?: number;
  /** Colour scale. @default "blue-orange" (diverging: negative blue, positive orange) */
  colorScale?: ColorScaleName;
  /** CSS colour of negative values (CircuitsVis two-colour scale, white at zero). @default none */
  negativeColor?: string;
  /** CSS colour of positive values (CircuitsVis two-colour scale, white at zero). @default none */
  positiveColor?: string;
  /** Width of a component column in CSS px. @default 36 */
  cellWidth?: number;
  /** Height of a position row in CSS px. @default 16 */
  cellHeight?: number;
  /** Label rows with their tokens and columns with the component labels, and draw the axis and colour-bar titles; false hides both. @default true */
  showAxisLabels?: boolean;
  /** Title of the vertical axis; "" leaves it out. @default "Position → next token" (T − 1 rows) or "Token" (T rows) */
  rowTitle?: string;
  /** Title of the horizontal axis; "" leaves it out. @default "Component" */
  columnTitle?: string;
  /** Title of the colour bar; "" leaves it out. @default "Logit attribution" */
  colorBarTitle?: string;
  /** Heading drawn above the heatmap. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Column to outline when the parent controls it (null: none); leave undefined for uncontrolled. @default uncontrolled */
  selectedComponent?: number | null;
  /** Called when a cell is clicked: its component, or null when that component is clicked again. @default none */
  onSelectComponent?: (component: number | null) => void;
  /** Called with the hovered cell (null when the pointer leaves). @default none */
  onCellHover?: (cell: AttributionCell | null) => void;
  /** File name (without extension) for PNG/SVG export. @default "logit-attribution" */
  exportName?: string;
}

function rowCount(input: PatternInput, cols: number): number {
  if (Array.isArray(input)) return input.length;
  if (input instanceof Float32Array || input instanceof Float64Array) return input.length / cols;
  const s = input.shape;
  return s.length === 3 && s[0] === 1 ? s[1]! : s[0]!;
}

/**
 * Direct logit attribution as a position × component heatmap: which part of the model (the
 * direct path, each head) pushes the correct next token up (orange) or down (blue) at each
 * position. Hover reads a cell, click selects its component (column), arrows move.
 */
export function LogitAttribution(props: LogitAttributionProps) {
  const theme = useTheme(props.theme);
  const { tokens, labels } = props;
  const C = labels.length;
  if (!C) throw new Error("LogitAttribution: labels is empty; give one label per component");
  const rows = rowCount(props.attribution, C);
  if (!Number.isInteger(rows) || (rows !== tokens.length - 1 && rows !== tokens.length)) {
    throw new Error(
      `LogitAttribution: attribution has ${Number.isInteger(rows) ? rows : "a fractional number of"} rows of ${C} components, ` +
        `expected ${tokens.length - 1} (one per predicted token) or ${tokens.length} (one per token)`,
    );
  }
  const predicts = rows === tokens.length - 1;
  const tensor = useMemo(
    () => toPatternTensor(props.attribution, rows, C, "attribution"),
    [props.attribution, rows, C],
  );
  if (props.correctLogits && props.correctLogits.length !== rows) {
    throw new Error(
      `LogitAttribution: correctLogits has ${props.correctLogits.length} values, expected ${rows} (one per row)`,
    );
  }
  const absMax = useMemo(() => {
    let m = 0;
    for (let i = 0; i < tensor.data.length; i++) m = Math.max(m, Math.abs(tensor.data[i]!));
    return m || 1;
  }, [tensor]);
  const min = props.minValue ?? -absMax;
  const max = props.maxValue ?? absMax;
  const { colorScale, negativeColor, positiveColor } = props;
  const style: HeatmapStyle = useMemo(
    () => ({
      scale: scaleFromProps({ colorScale, negativeColor, positiveColor }, min, max, "blue-orange"),
      min,
      max,
      maskUpper: false,
      maskColor: theme.mask,
    }),
    [colorScale, negativeColor, positiveColor, min, max, theme.mask],
  );

  const rowLabels = useMemo(
    () =>
      Array.from({ length: rows }, (_, t) =>
        predicts
          ? `${shortToken(tokens[t] ?? "", 10)} → ${shortToken(tokens[t + 1] ?? "", 10)}`
          : shortToken(tokens[t] ?? "", 22),
      ),
    [rows, predicts, tokens],
  );
  const showLabels = props.showAxisLabels ?? true;
  const { showAxisLabels, rowTitle, columnTitle, colorBarTitle } = props;
  const titles = useMemo(
    () =>
      axisTitlesFrom(
        { showAxisLabels, rowTitle, columnTitle, colorBarTitle },
        { row: predicts ? "Position → next token" : "Token", column: "Component", colorBar: "Logit attribution" },
      ),
    [showAxisLabels, rowTitle, columnTitle, colorBarTitle, predicts],
  );
  const cellW = props.cellWidth ?? 36;
  const cellH = props.cellHeight ?? 16;
  const longestRow = rowLabels.reduce((m, l) => Math.max(m, l.length), 0);
  const longestCol = labels.reduce((m, l) => Math.max(m, Math.min(14, l.length)), 0);
  const layout = useMemo(
    () =>
      matrixLayout(rows, C, {
        cellW,
        cellH,
        colorBar: true,
        title: !!props.title,
        axisTitles: titles,
        // Rows shorter than a readable label get no token labels; the axis titles and column labels stay.
        rowMargin: showLabels && cellH >= MIN_LABEL_CELL ? Math.ceil(longestRow * 6.4) + 8 : 0,
        colMargin: showLabels ? Math.ceil(longestCol * 6.4) + 8 : 0,
      }),
    [rows, C, cellW, cellH, props.title, showLabels, longestRow, longestCol, titles],
  );
  const figure = useMemo(
    () =>
      patternFigure({
        tensor,
        head: 0,
        style,
        layout,
        queryTokens: rowLabels,
        keyTokens: labels,
        theme,
        title: props.title,
        maxPixels: 4096,
        labelLength: 24,
      }),
    [tensor, style, layout, rowLabels, labels, theme, props.title],
  );

  const [ownComponent, setOwnComponent] = useState<number | null>(null);
  const controlled = props.selectedComponent !== undefined;
  const component = controlled ? props.selectedComponent! : ownComponent;
  const value = (c: Cell) => tensor.data[c.q * C + c.k]!;
  const { cell, locked, pointer, canvasProps } = useCellCursor(
    layout,
    (c) => props.onCellHover?.(c ? { position: c.q, component: c.k, value: value(c) } : null),
    (c) => {
      const next = component === c.k ? null : c.k;
      if (!controlled) setOwnComponent(next);
      props.onSelectComponent?.(next);
    },
  );
  const overlay = useMemo(
    () => (p: Painter) => drawPatternOverlay(p, layout, theme, { k: component, cell }),
    [layout, theme, component, cell],
  );

  const describe = (c: Cell) => {
    const where = predicts
      ? `position ${c.q} ${JSON.stringify(tokens[c.q] ?? "")} predicting ${JSON.stringify(tokens[c.q + 1] ?? "")}`
      : `token ${c.q} ${JSON.stringify(tokens[c.q] ?? "")}`;
    const total = props.correctLogits ? ` of logit ${formatValue(props.correctLogits[c.q]!)}` : "";
    return `${labels[c.k]} at ${where}: ${formatValue(value(c))}${total}`;
  };

  return (
    <Frame theme={theme} label={props.title ?? "Logit attribution"} style={{ display: "inline-block" }}>
      <Toolbar>
        <span style={{ fontSize: 12, color: theme.muted }}>
          rows: {predicts ? "position → next token" : "token"} ({rows}) · columns: component ({C})
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={() => figure} name={props.exportName ?? "logit-attribution"} />
      </Toolbar>
      <FigureCanvas
        figure={figure}
        overlay={overlay}
        role="application"
        tabIndex={0}
        ariaLabel={`Logit attribution, ${rows} positions × ${C} components. Arrow keys move between cells, Enter selects a component.`}
        {...canvasProps}
      >
        {cell && pointer && (
          <Tooltip theme={theme} x={Math.max(0, Math.min(pointer.x, layout.width - 280))} y={pointer.y}>
            {describe(cell)}
          </Tooltip>
        )}
      </FigureCanvas>
      <Status theme={theme}>
        {cell
          ? `${describe(cell)}${locked ? " · locked, Escape to unlock" : ""}`
          : component !== null && component !== undefined
            ? `Selected component ${labels[component]}. Hover a cell to read its value.`
            : "Hover a cell to read its value."}
      </Status>
    </Frame>
  );
}
