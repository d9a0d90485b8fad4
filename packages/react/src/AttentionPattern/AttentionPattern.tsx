import { useMemo } from "react";
import { toPatternTensor, type PatternInput } from "../lib/attention-data.js";
import { formatValue, MASKED, shortToken } from "../lib/format-token.js";
import type { Painter } from "../lib/painter.js";
import { drawPatternOverlay } from "../lib/pattern-figure.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { FigureCanvas } from "../shared/FigureCanvas.js";
import { Tooltip } from "../shared/Tooltip.js";
import { useCellCursor, type Cell } from "../shared/use-cell-cursor.js";
import { usePatternFigure, type PatternFigureProps } from "../shared/use-pattern-figure.js";

/** A cell of a pattern with its value. */
export interface PatternCell {
  /** Destination (query) position. */
  query: number;
  /** Source (key) position. */
  key: number;
  value: number;
}

export interface AttentionPatternProps extends PatternFigureProps {
  /** The sequence's tokens, used for both axes unless `queryTokens` / `keyTokens` are given. */
  tokens: string[];
  /** Destination (row) tokens when they differ from `tokens`. @default tokens */
  queryTokens?: string[];
  /** Source (column) tokens when they differ from `tokens`. @default tokens */
  keyTokens?: string[];
  /** One head's pattern [query][key]: nested arrays, a flat Float32Array, or `{ data, shape }`. */
  attention: PatternInput;
  /** Size of the heatmap (its longer side) in CSS px. @default 400, 800 when `zoomed` */
  size?: number;
  /** CircuitsVis's zoomed view: twice the default size, so long sequences get readable axis labels. @default false */
  zoomed?: boolean;
  /** Heading drawn above the heatmap. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Called with the hovered cell (null when the pointer leaves). @default none */
  onCellHover?: (cell: PatternCell | null) => void;
  /** File name (without extension) for PNG/SVG export. @default "attention-pattern" */
  exportName?: string;
}

/**
 * One attention pattern as a heatmap: rows are destination tokens, columns source tokens.
 * Hover shows the value, click locks a cell, arrow keys move it, Escape unlocks.
 */
export function AttentionPattern(props: AttentionPatternProps) {
  const theme = useTheme(props.theme);
  const qTokens = props.queryTokens ?? props.tokens;
  const kTokens = props.keyTokens ?? props.tokens;
  const tensor = useMemo(
    () => toPatternTensor(props.attention, qTokens.length, kTokens.length),
    [props.attention, qTokens.length, kTokens.length],
  );
  const size = props.size ?? (props.zoomed ? 800 : 400);
  const { maskUpper, layout, figure, exportFigure } = usePatternFigure({
    props,
    tensor,
    head: 0,
    queryTokens: qTokens,
    keyTokens: kTokens,
    theme,
    size,
    title: props.title,
    exportTitle: props.title ?? "Attention pattern",
  });

  const value = (c: Cell) => tensor.data[c.q * tensor.keys + c.k]!;
  const { cell, locked, pointer, canvasProps } = useCellCursor(layout, (c) =>
    props.onCellHover?.(c ? { query: c.q, key: c.k, value: value(c) } : null),
  );
  const overlay = useMemo(() => (p: Painter) => drawPatternOverlay(p, layout, theme, { cell }), [layout, theme, cell]);

  const describe = (c: Cell) =>
    `${shortToken(qTokens[c.q] ?? "", 24)} (${c.q}) → ${shortToken(kTokens[c.k] ?? "", 24)} (${c.k}): ${maskUpper && c.k > c.q ? MASKED : formatValue(value(c))}`;

  return (
    <Frame theme={theme} label={props.title ?? "Attention pattern"} style={{ display: "inline-block" }}>
      <Toolbar>
        <span style={{ fontSize: 12, color: theme.muted }}>
          rows: destination ({tensor.queries}) · columns: source ({tensor.keys})
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={exportFigure} name={props.exportName ?? "attention-pattern"} />
      </Toolbar>
      <FigureCanvas
        figure={figure}
        overlay={overlay}
        role="application"
        tabIndex={0}
        ariaLabel={`Attention pattern, ${tensor.queries} destination × ${tensor.keys} source tokens. Arrow keys move between cells.`}
        {...canvasProps}
      >
        {cell && pointer && (
          <Tooltip theme={theme} x={Math.min(pointer.x, layout.width - 200)} y={pointer.y}>
            {describe(cell)}
          </Tooltip>
        )}
      </FigureCanvas>
      <Status theme={theme}>
        {cell ? `${describe(cell)}${locked ? " · locked, Escape to unlock" : ""}` : "Hover a cell to read its value."}
      </Status>
    </Frame>
  );
}
