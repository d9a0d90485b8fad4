import { useMemo } from "react";
import { AttentionPatterns } from "@attnscope/react";
import { heatmapSize, thumbSize, useWidth } from "../hooks/use-width.js";
import { headName, parseHead } from "../lib/heads.js";

export interface SelectedPatternsProps {
  tokens: string[];
  attention: Float32Array;
  nLayers: number;
  nHeads: number;
  /** The page's selected head ("layer.head"), shown here; null shows the first head. */
  selected: string | null;
  onSelectHead: (name: string) => void;
  /** Largest size of the big heatmap. */
  maxSize?: number;
  maxThumb?: number;
  title?: string;
  exportName: string;
}

/**
 * Every head's pattern (AttentionPatterns) sized to its container, showing the page's selected head (the
 * view's head is controlled: a pick here or anywhere else is the same state, and Escape only unlocks the token).
 */
export function SelectedPatterns(p: SelectedPatternsProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const T = p.tokens.length;
  const n = p.nLayers * p.nHeads;
  const parsed = p.selected ? parseHead(p.selected) : null;
  const index = parsed && parsed[0] < p.nLayers && parsed[1] < p.nHeads ? parsed[0] * p.nHeads + parsed[1] : 0;
  // Stable inputs: a new object on every page render would make the view repaint every thumbnail.
  const labels = useMemo(
    () => Array.from({ length: n }, (_, i) => headName(Math.floor(i / p.nHeads), i % p.nHeads)),
    [n, p.nHeads],
  );
  const attention = useMemo(() => ({ data: p.attention, shape: [n, T, T] }), [p.attention, n, T]);
  // The view's frame takes 26 px (padding and border), plus a little for rounding.
  const inner = Math.max(200, width - 30);
  return (
    <div ref={ref} style={{ minWidth: 0 }}>
      <AttentionPatterns
        title={p.title}
        selectedHead={index}
        onSelectHead={(h) => h !== null && p.onSelectHead(labels[h])}
        tokens={p.tokens}
        attention={attention}
        headLabels={labels}
        headsPerRow={p.nHeads}
        size={heatmapSize(inner, p.maxSize ?? 420)}
        thumbnailSize={thumbSize(inner, p.nHeads, p.maxThumb ?? 56)}
        exportName={p.exportName}
      />
    </div>
  );
}
