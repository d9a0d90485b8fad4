/**
 * The demo's few shared styles. Colours are the CSS variables set in index.html, so light and dark follow
 * the system without any JavaScript.
 */
import type { CSSProperties } from "react";

// Narrow screens get narrow margins, so figures keep the width (no sideways scroll at 390 px).
export const page: CSSProperties = { maxWidth: 1180, margin: "0 auto", padding: "20px clamp(6px, 2.5vw, 20px) 48px" };

export const panel: CSSProperties = {
  border: "1px solid var(--border)",
  borderRadius: 8,
  padding: "14px clamp(6px, 2.5vw, 16px)",
  margin: "16px 0",
  background: "var(--bg)",
  minWidth: 0,
  overflowWrap: "anywhere",
};

export const panelTitle: CSSProperties = { margin: "0 0 4px", fontSize: 18, fontWeight: 600 };

export const lede: CSSProperties = { margin: "0 0 12px", color: "var(--muted)", fontSize: 14 };

export const row: CSSProperties = { display: "flex", flexWrap: "wrap", gap: 16, alignItems: "flex-start" };

export const muted: CSSProperties = { color: "var(--muted)", fontSize: 13 };

export const button: CSSProperties = {
  border: "1px solid var(--border)",
  borderRadius: 6,
  background: "var(--surface)",
  padding: "4px 12px",
  cursor: "pointer",
};

export const errorBox: CSSProperties = {
  border: "1px solid var(--danger)",
  color: "var(--danger)",
  borderRadius: 6,
  padding: "8px 12px",
  margin: "8px 0",
  fontSize: 14,
  whiteSpace: "pre-wrap",
  overflowWrap: "anywhere",
};

export const headChip: CSSProperties = {
  display: "inline-block",
  fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace",
  fontSize: 13,
  border: "1px solid var(--accent)",
  color: "var(--accent)",
  borderRadius: 4,
  padding: "0 6px",
  margin: "0 4px 4px 0",
};

export const mono: CSSProperties = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" };

/** Cell size for a HeadScoreGrid that has to fit about `width` px of cells; values print when cells are big enough. */
export function gridCells(nHeads: number, width = 270): { cellSize: number; showValues: boolean } {
  // The kit's rotated row title takes about 20 px beside the grid.
  const cellSize = Math.max(18, Math.min(40, Math.floor((width - 20) / nHeads)));
  return { cellSize, showValues: cellSize >= 30 };
}
