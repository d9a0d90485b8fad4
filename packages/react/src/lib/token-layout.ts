/**
 * Word-wrap layout of token boxes, for the canvas token strip (long sequences) and for exports.
 */
import { displayToken } from "./format-token.js";

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
const PAD = 3;

let measureCtx: CanvasRenderingContext2D | null = null;

/** Width of a token in px at the strip's font (approximate when no canvas is available). */
export function measureToken(token: string, font: string): number {
  if (!measureCtx && typeof document !== "undefined") measureCtx = document.createElement("canvas").getContext("2d");
  const text = displayToken(token);
  if (!measureCtx) return text.length * TOKEN_FONT_SIZE * 0.6;
  measureCtx.font = `${TOKEN_FONT_SIZE}px ${font}`;
  return measureCtx.measureText(text).width;
}

export function layoutTokens(tokens: readonly string[], maxWidth: number, font: string): TokenLayoutResult {
  const boxes: TokenBox[] = [];
  const lineStarts = [0];
  let x = 0;
  let line = 0;
  const cache = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    let w = cache.get(t);
    if (w === undefined) cache.set(t, (w = Math.ceil(measureToken(t, font)) + 2 * PAD));
    w = Math.min(w, maxWidth);
    if (x > 0 && x + w > maxWidth) {
      x = 0;
      line++;
      lineStarts.push(i);
    }
    boxes.push({ x, y: line * TOKEN_LINE_HEIGHT, w, line });
    x += w + 1;
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

export const TOKEN_PAD = PAD;
