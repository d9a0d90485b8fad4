import { useId, useRef } from "react";
import { AttentionPatterns } from "@attnscope/react";
import { heatmapSize, thumbSize, useWidth } from "../hooks/use-width.js";
import { headName, parseHead } from "../lib/heads.js";

/** The head shown everywhere: its name, a counter bumped by every pick, and which view picked it (if one did). */
export interface HeadSelection {
  name: string | null;
  seq: number;
  origin?: string;
}

export interface SelectedPatternsProps {
  tokens: string[];
  attention: Float32Array;
  nLayers: number;
  nHeads: number;
  selection: HeadSelection;
  /** Called with the head's name and this view's id when a head is picked in this view. */
  onSelectHead: (name: string, origin: string) => void;
  /** Largest size of the big heatmap. */
  maxSize?: number;
  maxThumb?: number;
  title?: string;
  exportName: string;
}

/**
 * Every head's pattern (AttentionPatterns) sized to its container, showing the page's selected head.
 * A head picked elsewhere remounts the view with that head; a head picked here is reported up.
 */
export function SelectedPatterns(p: SelectedPatternsProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const id = useId();
  // Remount (to show the new head) only for picks made outside this view; a pick here is already shown.
  const mountKey = useRef(p.selection.seq);
  if (p.selection.origin !== id) mountKey.current = p.selection.seq;
  const T = p.tokens.length;
  const n = p.nLayers * p.nHeads;
  const parsed = p.selection.name ? parseHead(p.selection.name) : null;
  const index = parsed && parsed[0] < p.nLayers && parsed[1] < p.nHeads ? parsed[0] * p.nHeads + parsed[1] : 0;
  const labels = Array.from({ length: n }, (_, i) => headName(Math.floor(i / p.nHeads), i % p.nHeads));
  // The view's frame takes 26 px (padding and border), plus a little for rounding.
  const inner = Math.max(200, width - 30);
  return (
    <div ref={ref} style={{ minWidth: 0 }}>
      <AttentionPatterns
        key={`${mountKey.current}:${n}`}
        title={p.title}
        initialHead={index}
        tokens={p.tokens}
        attention={{ data: p.attention, shape: [n, T, T] }}
        headLabels={labels}
        headsPerRow={p.nHeads}
        size={heatmapSize(inner, p.maxSize ?? 420)}
        thumbnailSize={thumbSize(inner, p.nHeads, p.maxThumb ?? 56)}
        onHeadSelect={(h) => h !== null && p.onSelectHead(labels[h], id)}
        exportName={p.exportName}
      />
    </div>
  );
}
