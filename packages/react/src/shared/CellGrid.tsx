import { useRef, type KeyboardEvent } from "react";
import { rgbCss, textColorOn, type RGB } from "../lib/color-scales.js";
import type { Theme } from "../lib/theme.js";

/** A cell of a CellGrid by row and column. */
export interface GridCell {
  row: number;
  col: number;
}

export interface CellGridProps {
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** Colour and printed text of a cell; null for a cell that has no value (drawn empty, not focusable). */
  cell: (row: number, col: number) => { color: RGB; text: string } | null;
  /** Accessible name and native tooltip of a cell. */
  describe: (row: number, col: number) => string;
  /** Extra outline (e.g. above a threshold). */
  outlined?: (row: number, col: number) => boolean;
  selected: GridCell | null;
  cellSize: number;
  theme: Theme;
  ariaLabel: string;
  onHover: (cell: GridCell | null) => void;
  onSelect: (cell: GridCell) => void;
}

const same = (a: GridCell | null, r: number, c: number) => !!a && a.row === r && a.col === c;

/**
 * A small matrix as a grid of buttons (heads × heads, layers × heads): hover previews, click or
 * Enter/Space selects, arrow keys move between cells that have values.
 */
export function CellGrid(p: CellGridProps) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const nCols = p.colLabels.length;
  const nRows = p.rowLabels.length;
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, r: number, c: number) => {
    const d: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const m = d[e.key];
    if (!m) return;
    e.preventDefault();
    // Step over cells without a value until the edge.
    for (let rr = r + m[0], cc = c + m[1]; rr >= 0 && rr < nRows && cc >= 0 && cc < nCols; rr += m[0], cc += m[1]) {
      const el = refs.current[rr * nCols + cc];
      if (el) return el.focus();
    }
  };
  let focusable = p.selected;
  if (!focusable) {
    outer: for (let r = 0; r < nRows; r++)
      for (let c = 0; c < nCols; c++)
        if (p.cell(r, c)) {
          focusable = { row: r, col: c };
          break outer;
        }
  }
  const size = p.cellSize;
  return (
    <div
      role="grid"
      aria-label={p.ariaLabel}
      style={{ display: "inline-grid", gridTemplateColumns: `auto repeat(${nCols}, ${size}px)`, gap: 2 }}
    >
      <div role="row" style={{ display: "contents" }}>
        <span role="columnheader" />
        {p.colLabels.map((l, c) => (
          <span
            key={c}
            role="columnheader"
            style={{ fontSize: 10, color: p.theme.muted, textAlign: "center", alignSelf: "end" }}
          >
            {l}
          </span>
        ))}
      </div>
      {p.rowLabels.map((rowLabel, r) => (
        <div key={r} role="row" style={{ display: "contents" }}>
          <span
            role="rowheader"
            style={{ fontSize: 10, color: p.theme.muted, alignSelf: "center", paddingRight: 6, whiteSpace: "nowrap" }}
          >
            {rowLabel}
          </span>
          {p.colLabels.map((_, c) => {
            const v = p.cell(r, c);
            const isSel = same(p.selected, r, c);
            if (!v) {
              return (
                <span
                  key={c}
                  role="gridcell"
                  aria-label={p.describe(r, c)}
                  title={p.describe(r, c)}
                  style={{
                    width: size,
                    height: size,
                    borderRadius: 3,
                    border: `1px dashed ${p.theme.border}`,
                    boxSizing: "border-box",
                  }}
                />
              );
            }
            const ring = p.outlined?.(r, c);
            return (
              <span key={c} role="gridcell" aria-selected={isSel}>
                <button
                  type="button"
                  ref={(el) => {
                    refs.current[r * nCols + c] = el;
                  }}
                  aria-label={p.describe(r, c)}
                  title={p.describe(r, c)}
                  data-outlined={ring || undefined}
                  tabIndex={same(focusable, r, c) ? 0 : -1}
                  onPointerEnter={() => p.onHover({ row: r, col: c })}
                  onPointerLeave={() => p.onHover(null)}
                  onFocus={() => p.onHover({ row: r, col: c })}
                  onBlur={() => p.onHover(null)}
                  onClick={() => p.onSelect({ row: r, col: c })}
                  onKeyDown={(e) => onKeyDown(e, r, c)}
                  style={{
                    width: size,
                    height: size,
                    padding: 0,
                    borderRadius: 3,
                    cursor: "pointer",
                    background: rgbCss(v.color),
                    color: textColorOn(v.color),
                    font: `10px ${p.theme.font}`,
                    border: ring ? `2.5px solid ${p.theme.text}` : "1px solid transparent",
                    outline: isSel ? `3px solid ${p.theme.accent}` : "none",
                    outlineOffset: 1,
                  }}
                >
                  {v.text}
                </button>
              </span>
            );
          })}
        </div>
      ))}
    </div>
  );
}
