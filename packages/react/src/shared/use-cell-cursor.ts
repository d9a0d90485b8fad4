import { useState, type KeyboardEvent } from "react";
import { cellAt, type PatternLayout } from "../lib/pattern-figure.js";
import { useHoverLock } from "./use-hover-lock.js";

/** A heatmap cell by row (query / position) and column (key / component). */
export interface Cell {
  q: number;
  k: number;
}

const MOVES: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/**
 * The cell cursor of a canvas heatmap: pointer hover previews a cell, click (or Enter/Space)
 * chooses and locks it, arrow keys move it, Escape unlocks. Returns the active cell, where to put
 * its tooltip, and the handlers to spread on a FigureCanvas.
 */
export function useCellCursor(
  layout: PatternLayout,
  onHover?: (cell: Cell | null) => void,
  onChoose?: (cell: Cell) => void,
) {
  const cells = useHoverLock<Cell>();
  const [pointer, setPointer] = useState<{ x: number; y: number } | null>(null);
  const hover = (c: Cell | null) => {
    cells.preview(c);
    onHover?.(c);
  };
  const choose = (c: Cell) => {
    cells.lock(c);
    onChoose?.(c);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.key === "Enter" || e.key === " ") && cells.active) {
      e.preventDefault();
      return choose(cells.active);
    }
    const m = MOVES[e.key];
    if (!m) return;
    e.preventDefault();
    const cur = cells.active ?? { q: 0, k: 0 };
    const next = {
      q: Math.max(0, Math.min(layout.queries - 1, cur.q + m[0])),
      k: Math.max(0, Math.min(layout.keys - 1, cur.k + m[1])),
    };
    setPointer({ x: layout.x0 + (next.k + 0.5) * layout.cellW, y: layout.y0 + (next.q + 0.5) * layout.cellH });
    if (cells.locked) cells.lock(next);
    else hover(next);
  };
  const canvasProps = {
    onKeyDown,
    onPointer: (x: number, y: number) => {
      setPointer({ x, y });
      hover(cellAt(layout, x, y));
    },
    onLeave: () => {
      setPointer(null);
      hover(null);
    },
    onClickAt: (x: number, y: number) => {
      const c = cellAt(layout, x, y);
      if (c) choose(c);
    },
  };
  return { cell: cells.active, locked: cells.locked !== null, pointer, canvasProps };
}
