import * as s from "../styles.js";

/** Axis and colour-bar titles under a layer × head score grid (the grid itself labels only the ticks). */
export function GridCaption({ score, rows = "layer", columns = "head" }: { score: string; rows?: string; columns?: string }) {
  return (
    <div style={{ ...s.muted, fontSize: 12, marginTop: 2 }} data-role="axis-titles">
      rows: {rows} · columns: {columns} · colour: {score}
    </div>
  );
}
