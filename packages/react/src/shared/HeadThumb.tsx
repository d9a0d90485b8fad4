import { memo, useEffect, useMemo, useRef } from "react";
import type { AttentionTensor } from "../lib/attention-data.js";
import { hasHeatmapBitmap, heatmapBitmap, type HeatmapStyle } from "../lib/heatmap.js";
import { enqueuePaint } from "../lib/paint-queue.js";
import { canvasPainter } from "../lib/painter.js";
import { cellAt, drawPatternOverlay, patternLayout } from "../lib/pattern-figure.js";
import type { Theme } from "../lib/theme.js";

export interface HeadThumbProps {
  tensor: AttentionTensor;
  head: number;
  style: HeatmapStyle;
  size: number;
  theme: Theme;
  /** Row/column/cell marks drawn on the overlay canvas. */
  mark?: { q?: number | null; k?: number | null; cell?: { q: number; k: number } | null } | null;
  onCellHover?: (head: number, cell: { q: number; k: number } | null) => void;
}

function dpr(): number {
  return typeof window === "undefined" ? 1 : Math.min(2, window.devicePixelRatio || 1);
}

/** One head's pattern at thumbnail size; painted lazily, cached, overlay redrawn on hover only. */
export const HeadThumb = memo(function HeadThumb({
  tensor,
  head,
  style,
  size,
  theme,
  mark,
  onCellHover,
}: HeadThumbProps) {
  const base = useRef<HTMLCanvasElement>(null);
  const over = useRef<HTMLCanvasElement>(null);
  const layout = useMemo(
    () => patternLayout(tensor.queries, tensor.keys, size, { labels: false, colorBar: false, title: false }),
    [tensor.queries, tensor.keys, size],
  );
  const maxPixels = Math.ceil(size * dpr());

  useEffect(() => {
    const c = base.current;
    if (!c) return;
    const r = dpr();
    c.width = Math.ceil(layout.width * r);
    c.height = Math.ceil(layout.height * r);
    const draw = () => {
      const ctx = c.getContext("2d");
      if (!ctx) return;
      ctx.setTransform(r, 0, 0, r, 0, 0);
      ctx.fillStyle = theme.background;
      ctx.fillRect(0, 0, layout.width, layout.height);
      canvasPainter(ctx).image(heatmapBitmap(tensor, head, style, maxPixels), layout.x0, layout.y0, layout.w, layout.h);
    };
    if (hasHeatmapBitmap(tensor, head, style, maxPixels)) {
      draw();
      return;
    }
    return enqueuePaint(draw);
  }, [tensor, head, style, layout, maxPixels, theme.background]);

  useEffect(() => {
    const c = over.current;
    if (!c) return;
    const r = dpr();
    if (c.width !== Math.ceil(layout.width * r)) c.width = Math.ceil(layout.width * r);
    if (c.height !== Math.ceil(layout.height * r)) c.height = Math.ceil(layout.height * r);
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, layout.width, layout.height);
    if (mark) drawPatternOverlay(canvasPainter(ctx), layout, theme, mark);
  }, [mark, layout, theme]);

  const layer = { position: "absolute", left: 0, top: 0, width: layout.width, height: layout.height } as const;
  return (
    <div
      style={{ position: "relative", width: layout.width, height: layout.height }}
      onPointerMove={
        onCellHover
          ? (e) => {
              const r = e.currentTarget.getBoundingClientRect();
              onCellHover(head, cellAt(layout, e.clientX - r.left, e.clientY - r.top));
            }
          : undefined
      }
      onPointerLeave={onCellHover ? () => onCellHover(head, null) : undefined}
    >
      <canvas ref={base} style={layer} aria-hidden="true" />
      <canvas ref={over} style={{ ...layer, pointerEvents: "none" }} aria-hidden="true" />
    </div>
  );
});
