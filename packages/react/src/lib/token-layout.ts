/**
 * Tokens laid out as running text, for the canvas token strip (long sequences) and for exports:
 * no padding or gap between tokens (so byte-level text reads "we think", not "w e  t h i n k"),
 * lines wrapped between words where the text has spaces, a new line after a token holding a
 * newline. The DOM strip gets the same flow from the browser (`white-space: pre-wrap`).
 */
import { flowToken } from "./format-token.js";
import type { Painter } from "./painter.js";
import type { Theme } from "./theme.js";

export interface TokenBox {
  x: number;
  y: number;
  w: number;
  line: number;
}

export interface TokenLayoutResult {
  boxes: TokenBox[];
  lines: number;
  lineHeight: number;
  /** Index of the first token on each line. */
  lineStarts: number[];
}

export const TOKEN_FONT_SIZE = 13;
export const TOKEN_LINE_HEIGHT = 22;

let measureCtx: CanvasRenderingContext2D | null = null;

/** Width of a token's text in px at the strip's font (approximate when no canvas is available). */
export function measureToken(token: string, font: string): number {
  if (!measureCtx && typeof document !== "undefined") measureCtx = document.createElement("canvas").getContext("2d");
  const text = flowToken(token).text;
  if (!measureCtx) return text.length * TOKEN_FONT_SIZE * 0.6;
  measureCtx.font = `${TOKEN_FONT_SIZE}px ${font}`;
  return measureCtx.measureText(text).width;
}

const startsSpace = (t: string) => /^\s/.test(t);
const endsSpace = (t: string) => /\s$/.test(t);
// Spaces at the end of a line hang past it, as in a browser, rather than start the next line.
const hangs = (t: string) => /^[^\S\n]+$/.test(t);

/**
 * Boxes of the tokens wrapped at `maxWidth`. A line that overflows breaks before the last token
 * on it that starts a word (it, or the token before it, holds a space), so words stay whole; a
 * line with no such place breaks before the token that does not fit. A token of spaces hangs
 * at the end of the line instead of starting the next one. `measure` defaults to the
 * canvas text width at the strip's font.
 */
export function layoutTokens(
  tokens: readonly string[],
  maxWidth: number,
  font: string,
  measure: (token: string) => number = (t) => measureToken(t, font),
): TokenLayoutResult {
  const boxes: TokenBox[] = [];
  const lineStarts = [0];
  const cache = new Map<string, number>();
  let x = 0;
  let line = 0;
  // The latest token on the current line (after its first) that may begin the next line.
  let wordStart = -1;
  const newLine = (start: number) => {
    line++;
    lineStarts.push(start);
    x = 0;
    wordStart = -1;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    let w = cache.get(t);
    if (w === undefined) cache.set(t, (w = measure(t)));
    w = Math.min(w, maxWidth);
    const lineStart = lineStarts[line]!;
    if (i > lineStart && (startsSpace(t) || endsSpace(tokens[i - 1]!))) wordStart = i;
    if (i > lineStart && x + w > maxWidth && !hangs(t)) {
      const from = wordStart > lineStart ? wordStart : i;
      newLine(from);
      // Carry the start of the unfinished word over to the new line.
      for (let j = from; j < i; j++) {
        boxes[j] = { x, y: line * TOKEN_LINE_HEIGHT, w: boxes[j]!.w, line };
        x += boxes[j]!.w;
      }
      if (from < i && x + w > maxWidth) newLine(i);
    }
    boxes.push({ x, y: line * TOKEN_LINE_HEIGHT, w, line });
    x += w;
    if (flowToken(t).breakAfter && i + 1 < tokens.length) newLine(i + 1);
  }
  return { boxes, lines: line + 1, lineHeight: TOKEN_LINE_HEIGHT, lineStarts };
}

/** Index of the token box under (x, y), or null. */
export function tokenAt(layout: TokenLayoutResult, x: number, y: number): number | null {
  const line = Math.floor(y / layout.lineHeight);
  if (line < 0 || line >= layout.lines) return null;
  const start = layout.lineStarts[line]!;
  const end = line + 1 < layout.lines ? layout.lineStarts[line + 1]! : layout.boxes.length;
  for (let i = start; i < end; i++) {
    const b = layout.boxes[i]!;
    if (x >= b.x && x < b.x + b.w) return i;
  }
  return null;
}

/**
 * How a token shows where it starts and ends without spacing: a token with no colour of its own
 * gets a faint background on every other token; a coloured token (whose neighbours may have
 * the same colour) gets a hairline on its left edge instead. Shared by the DOM strip, the canvas
 * strip and exports.
 */
export function tokenBoundary(
  i: number,
  background: string | null | undefined,
  theme: Theme,
): { background: string | null; hairline: string | null } {
  if (background) return { background, hairline: i > 0 ? theme.border : null };
  return { background: i % 2 === 1 ? theme.surface : null, hairline: null };
}

export interface PaintTokensOptions {
  tokens: readonly string[];
  layout: TokenLayoutResult;
  theme: Theme;
  backgrounds?: ReadonlyArray<string | null> | null;
  foregrounds?: ReadonlyArray<string | null> | null;
  /** Offset of the layout's origin. */
  x0?: number;
  y0?: number;
  /** Token range to paint. @default all */
  from?: number;
  to?: number;
  /** Outlined token, and whether the outline is the locked (thicker) one. */
  active?: number | null;
  locked?: boolean;
}

/** Paint tokens as laid out: boundaries, text, the active outline. */
export function paintTokens(p: Painter, o: PaintTokensOptions): void {
  const { layout, theme } = o;
  const x0 = o.x0 ?? 0;
  const y0 = o.y0 ?? 0;
  const lh = layout.lineHeight;
  const to = Math.min(o.to ?? o.tokens.length, o.tokens.length);
  for (let i = o.from ?? 0; i < to; i++) {
    const b = layout.boxes[i]!;
    const x = x0 + b.x;
    const y = y0 + b.y;
    const edge = tokenBoundary(i, o.backgrounds?.[i], theme);
    if (edge.background) p.rect(x, y + 2, b.w, lh - 4, edge.background);
    if (edge.hairline && b.x > 0) p.rect(x, y + 2, 1, lh - 4, edge.hairline);
    p.text(x, y + lh / 2, flowToken(o.tokens[i]!).text, {
      fill: o.foregrounds?.[i] ?? theme.text,
      size: TOKEN_FONT_SIZE,
      baseline: "middle",
      font: theme.font,
    });
    if (o.active === i) p.rect(x - 1, y + 1, b.w + 2, lh - 2, null, theme.accent, o.locked ? 2 : 1);
  }
}
