import type { ReactNode } from "react";
import type { AxisTitles } from "../lib/pattern-figure.js";
import type { Theme } from "../lib/theme.js";

/**
 * A DOM heatmap (a grid of cells) with its axis titles: the column title above it, the row title
 * rotated at its left, as the canvas figures and exports draw them.
 */
export function AxisTitled({
  titles,
  theme,
  children,
  fill,
}: {
  titles: AxisTitles | null;
  theme: Theme;
  children: ReactNode;
  /** Take the container's full width (for content that sizes itself to it) instead of shrinking to the grid. */
  fill?: boolean;
}) {
  if (!titles || (!titles.row && !titles.column)) return <>{children}</>;
  const text = { fontSize: 11, color: theme.text } as const;
  return (
    <div
      style={{
        display: fill ? "grid" : "inline-grid",
        gridTemplateColumns: fill ? "auto minmax(0, 1fr)" : "auto auto",
        alignItems: "center",
        maxWidth: "100%",
      }}
    >
      <span />
      <span data-axis-title="column" style={{ ...text, textAlign: "center", marginBottom: 2 }}>
        {titles.column}
      </span>
      <span
        data-axis-title="row"
        style={{
          ...text,
          writingMode: "vertical-rl",
          transform: "rotate(180deg)",
          textAlign: "center",
          marginRight: 4,
        }}
      >
        {titles.row}
      </span>
      {/* Only content that fits itself to the width may shrink; a grid of fixed cells keeps its size. */}
      <div style={fill ? { minWidth: 0 } : undefined}>{children}</div>
    </div>
  );
}
