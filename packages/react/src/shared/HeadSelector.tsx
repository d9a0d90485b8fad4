import { memo, useRef, type KeyboardEvent } from "react";
import type { AttentionTensor } from "../lib/attention-data.js";
import type { HeatmapStyle } from "../lib/heatmap.js";
import type { Theme } from "../lib/theme.js";
import { HeadThumb, type HeadThumbProps } from "./HeadThumb.js";
import { useWidth } from "./use-width.js";

// A thumbnail's box beyond its heatmap: the figure's 4 px margin, 3 px padding and 2 px border each side.
const THUMB_CHROME = 14;
const GAP = 6;
const MIN_THUMB = 24;

export interface HeadSelectorProps {
  tensor: AttentionTensor;
  style: HeatmapStyle;
  labels: readonly string[];
  size: number;
  theme: Theme;
  /** Locked head. */
  selected: number | null;
  /** Hovered / keyboard-focused head. */
  previewed: number | null;
  onPreview: (head: number | null) => void;
  onSelect: (head: number) => void;
  /** Heads per row for up/down arrow moves and line breaks (e.g. heads per layer). */
  columns: number;
  /** Which heads to show, in order. @default all */
  visible?: readonly number[];
  ariaLabel: string;
  mark?: HeadThumbProps["mark"];
  onCellHover?: HeadThumbProps["onCellHover"];
}

/**
 * Heads as a listbox of thumbnails: hover previews, click or Enter/Space locks, arrow keys move
 * (left/right by one, up/down by a row), Home/End jump.
 */
export const HeadSelector = memo(function HeadSelector(p: HeadSelectorProps) {
  const refs = useRef<(HTMLDivElement | null)[]>([]);
  const outer = useRef<HTMLDivElement>(null);
  // Shrink thumbnails so `columns` of them fit the width: a row per layer never wraps (12 heads as 11 + 1).
  const width = useWidth(outer, 0);
  const fit = width > 0 ? Math.floor((width - (p.columns - 1) * GAP) / p.columns) - THUMB_CHROME : p.size;
  const size = Math.max(MIN_THUMB, Math.min(p.size, fit));
  const list = p.visible ?? Array.from({ length: p.tensor.heads }, (_, h) => h);
  const n = list.length;
  const wanted = p.previewed ?? p.selected ?? list[0];
  const current = wanted !== undefined && list.includes(wanted) ? wanted : list[0];

  // Moves are over positions in the visible list, not head indices.
  const move = (to: number) => {
    const next = list[Math.max(0, Math.min(n - 1, to))]!;
    p.onPreview(next);
    refs.current[next]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>, h: number) => {
    const at = list.indexOf(h);
    const keys: Record<string, number> = {
      ArrowRight: at + 1,
      ArrowLeft: at - 1,
      ArrowDown: at + p.columns,
      ArrowUp: at - p.columns,
      Home: 0,
      End: n - 1,
    };
    if (e.key in keys) {
      e.preventDefault();
      move(keys[e.key]!);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      p.onSelect(h);
    }
  };

  const rows: number[][] = [];
  for (let i = 0; i < n; i += p.columns) rows.push(list.slice(i, i + p.columns));

  return (
    <div
      ref={outer}
      role="listbox"
      aria-label={p.ariaLabel}
      aria-orientation="horizontal"
      style={{ display: "flex", flexDirection: "column", gap: GAP, overflowX: "auto" }}
    >
      {rows.map((row, r) => (
        <div key={r} role="presentation" style={{ display: "flex", flexWrap: "nowrap", gap: GAP }}>
          {row.map((h) => {
            const isSel = p.selected === h;
            const isPrev = p.previewed === h;
            return (
              <div
                key={h}
                ref={(el) => {
                  refs.current[h] = el;
                }}
                role="option"
                aria-selected={isSel}
                aria-label={`Head ${p.labels[h]}`}
                data-head-index={h}
                tabIndex={h === current ? 0 : -1}
                onKeyDown={(e) => onKeyDown(e, h)}
                onFocus={() => p.onPreview(h)}
                onPointerEnter={() => p.onPreview(h)}
                onPointerLeave={() => p.onPreview(null)}
                onClick={() => p.onSelect(h)}
                style={{
                  display: "flex",
                  flexDirection: "column",
                  alignItems: "center",
                  gap: 2,
                  padding: 3,
                  borderRadius: 4,
                  cursor: "pointer",
                  outline: "none",
                  border: `2px solid ${isSel ? p.theme.accent : isPrev ? p.theme.muted : "transparent"}`,
                  background: isSel ? p.theme.surface : "transparent",
                }}
              >
                <HeadThumb
                  tensor={p.tensor}
                  head={h}
                  style={p.style}
                  size={size}
                  theme={p.theme}
                  mark={p.mark}
                  onCellHover={p.onCellHover}
                />
                <span
                  style={{ fontSize: 11, color: isSel ? p.theme.accent : p.theme.muted, fontWeight: isSel ? 700 : 400 }}
                >
                  {p.labels[h]}
                </span>
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
});
