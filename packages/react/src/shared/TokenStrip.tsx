import { memo, useEffect, useId, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from "react";
import { flowToken } from "../lib/format-token.js";
import { canvasPainter } from "../lib/painter.js";
import type { Theme } from "../lib/theme.js";
import { useWidth } from "./use-width.js";
import {
  layoutTokens,
  paintTokens,
  tokenAt,
  tokenBoundary,
  TOKEN_FONT_SIZE,
  TOKEN_LINE_HEIGHT,
  type TokenLayoutResult,
} from "../lib/token-layout.js";

export interface TokenStripProps {
  tokens: readonly string[];
  /** CSS background per token (null = none). */
  backgrounds: ReadonlyArray<string | null> | null;
  /** CSS text colour per token (null = theme text). */
  foregrounds?: ReadonlyArray<string | null> | null;
  /** Hovered or locked token, outlined. */
  active: number | null;
  locked: boolean;
  theme: Theme;
  /** Native tooltip text per token. */
  describe: (i: number) => string;
  onHover?: (i: number | null) => void;
  onSelect?: (i: number) => void;
  ariaLabel: string;
  /** Above this many tokens the strip is drawn on a canvas, only the visible lines. */
  canvasThreshold: number;
  /** Visible height of the canvas strip before it scrolls (px). */
  maxHeight?: number;
}

/**
 * Tokens as running text: no spacing added between them, boundaries shown by a faint background
 * on every other token (a hairline between coloured ones), non-printable characters escaped, a
 * new line after a newline. Hover, click and arrow keys pick a token.
 */
export const TokenStrip = memo(function TokenStrip(props: TokenStripProps) {
  const { tokens, active, theme } = props;
  const idBase = useId();
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const n = tokens.length;
    if (!n) return;
    const cur = active ?? -1;
    let next: number | null = null;
    if (e.key === "ArrowRight") next = Math.min(n - 1, cur + 1);
    else if (e.key === "ArrowLeft") next = Math.max(0, cur < 0 ? 0 : cur - 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = n - 1;
    else if ((e.key === "Enter" || e.key === " ") && active !== null) {
      e.preventDefault();
      props.onSelect?.(active);
      return;
    }
    if (next !== null) {
      e.preventDefault();
      props.onHover?.(next);
    }
  };
  const common = {
    role: "listbox",
    "aria-label": props.ariaLabel,
    tabIndex: 0,
    onKeyDown,
  } as const;
  if (tokens.length > props.canvasThreshold) return <CanvasTokens {...props} common={common} />;

  return (
    <div
      {...common}
      aria-activedescendant={active !== null ? `${idBase}-${active}` : undefined}
      style={{
        lineHeight: `${TOKEN_LINE_HEIGHT}px`,
        fontSize: TOKEN_FONT_SIZE,
        fontFamily: theme.font,
        color: theme.text,
        outline: "none",
        // The text wraps between words like prose; a word longer than the line still breaks.
        whiteSpace: "pre-wrap",
        overflowWrap: "anywhere",
      }}
      onPointerLeave={() => props.onHover?.(null)}
    >
      {tokens.map((t, i) => {
        const { text, breakAfter } = flowToken(t);
        return (
          <span
            key={i}
            id={`${idBase}-${i}`}
            role="option"
            aria-selected={active === i}
            data-token-index={i}
            title={props.describe(i)}
            onPointerEnter={() => props.onHover?.(i)}
            onClick={() => props.onSelect?.(i)}
            style={tokenStyle(props, i)}
          >
            {breakAfter ? `${text}\n` : text}
          </span>
        );
      })}
    </div>
  );
});

function tokenStyle(props: TokenStripProps, i: number): CSSProperties {
  const edge = tokenBoundary(i, props.backgrounds?.[i], props.theme);
  const ring = props.active === i ? `0 0 0 ${props.locked ? 2 : 1}px ${props.theme.accent}` : null;
  const hairline = edge.hairline ? `inset 1px 0 0 ${edge.hairline}` : null;
  return {
    cursor: "pointer",
    borderRadius: 2,
    background: edge.background ?? "transparent",
    color: props.foregrounds?.[i] ?? props.theme.text,
    boxShadow: [ring, hairline].filter(Boolean).join(", ") || "none",
  };
}

function CanvasTokens(props: TokenStripProps & { common: Record<string, unknown> }) {
  const { tokens, theme } = props;
  const outer = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useWidth(outer, 640);
  const layout: TokenLayoutResult = useMemo(
    () => layoutTokens(tokens, Math.max(80, width - 4), theme.font),
    [tokens, width, theme.font],
  );
  const height = Math.min(props.maxHeight ?? 220, layout.lines * layout.lineHeight);
  const [scrollTop, setScrollTop] = useState(0);
  const [tip, setTip] = useState<{ i: number; x: number; y: number } | null>(null);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    // Resizing a canvas reallocates it; only do so when the size really changed.
    if (c.width !== Math.ceil(width * dpr)) c.width = Math.ceil(width * dpr);
    if (c.height !== Math.ceil(height * dpr)) c.height = Math.ceil(height * dpr);
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, -scrollTop * dpr);
    ctx.clearRect(0, scrollTop, width, height);
    // Only the lines in view are drawn, so cost does not grow with sequence length.
    const first = Math.max(0, Math.floor(scrollTop / layout.lineHeight));
    const last = Math.min(layout.lines - 1, Math.ceil((scrollTop + height) / layout.lineHeight));
    const start = layout.lineStarts[first] ?? 0;
    const end = last + 1 < layout.lines ? layout.lineStarts[last + 1]! : tokens.length;
    paintTokens(canvasPainter(ctx), {
      tokens,
      layout,
      theme,
      backgrounds: props.backgrounds,
      foregrounds: props.foregrounds,
      from: start,
      to: end,
      active: props.active,
      locked: props.locked,
    });
  }, [
    layout,
    width,
    height,
    scrollTop,
    props.backgrounds,
    props.foregrounds,
    props.active,
    props.locked,
    tokens,
    theme,
  ]);

  // Keep the active token in view when it moves by keyboard.
  useEffect(() => {
    const el = outer.current;
    if (!el || props.active == null) return;
    const b = layout.boxes[props.active];
    if (!b) return;
    if (b.y < el.scrollTop) el.scrollTop = b.y;
    else if (b.y + layout.lineHeight > el.scrollTop + height) el.scrollTop = b.y + layout.lineHeight - height;
  }, [props.active, layout, height]);

  const hit = (e: React.PointerEvent<HTMLDivElement> | React.MouseEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top + e.currentTarget.scrollTop;
    return { i: tokenAt(layout, x, y), x, y: y - e.currentTarget.scrollTop };
  };

  return (
    <div
      {...props.common}
      ref={outer}
      data-canvas-strip="true"
      style={{ position: "relative", height, overflowY: "auto", outline: "none", fontFamily: theme.font }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onPointerMove={(e) => {
        const h = hit(e);
        setTip(h.i === null ? null : { i: h.i, x: h.x, y: h.y });
        props.onHover?.(h.i);
      }}
      onPointerLeave={() => {
        setTip(null);
        props.onHover?.(null);
      }}
      onClick={(e) => {
        const h = hit(e);
        if (h.i !== null) props.onSelect?.(h.i);
      }}
    >
      <div style={{ height: layout.lines * layout.lineHeight, position: "relative" }}>
        <canvas
          ref={canvas}
          aria-hidden="true"
          style={{ position: "absolute", left: 0, top: scrollTop, width, height }}
        />
      </div>
      {tip && (
        <div
          role="tooltip"
          style={{
            position: "absolute",
            left: Math.min(tip.x + 12, width - 160),
            top: tip.y + scrollTop + 16,
            background: theme.surface,
            color: theme.text,
            border: `1px solid ${theme.border}`,
            borderRadius: 4,
            padding: "2px 6px",
            fontSize: 12,
            pointerEvents: "none",
            whiteSpace: "pre",
          }}
        >
          {props.describe(tip.i)}
        </div>
      )}
    </div>
  );
}
