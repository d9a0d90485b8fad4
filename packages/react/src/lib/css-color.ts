/**
 * CSS colour strings (CircuitsVis's `negativeColor` / `positiveColor` props) to RGB. Hex,
 * rgb()/rgba(), hsl()/hsla() and common names are parsed here, so this works on the server; any
 * other CSS colour is resolved by the browser's canvas when one is available.
 */
import type { RGB } from "./color-scales.js";

// The names people use most; the browser resolves every other CSS name.
const NAMED: Record<string, RGB> = {
  black: [0, 0, 0],
  white: [255, 255, 255],
  red: [255, 0, 0],
  green: [0, 128, 0],
  blue: [0, 0, 255],
  orange: [255, 165, 0],
  purple: [128, 0, 128],
  grey: [128, 128, 128],
  gray: [128, 128, 128],
  yellow: [255, 255, 0],
  cyan: [0, 255, 255],
  magenta: [255, 0, 255],
  teal: [0, 128, 128],
  navy: [0, 0, 128],
  crimson: [220, 20, 60],
  darkorange: [255, 140, 0],
  steelblue: [70, 130, 180],
  darkblue: [0, 0, 139],
  darkred: [139, 0, 0],
};

/** CSS hsl() to RGB (the CSS Color 4 formula). */
function hslToRgb(h: number, s: number, l: number): RGB {
  const a = Math.min(1, s) * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function parseSimple(s: string): RGB | null {
  const t = s.trim().toLowerCase();
  if (NAMED[t]) return NAMED[t]!;
  let m = /^#([0-9a-f]{3,8})$/.exec(t);
  if (m) {
    const h = m[1]!;
    if (h.length === 3 || h.length === 4) return [0, 1, 2].map((i) => parseInt(h[i]! + h[i]!, 16)) as unknown as RGB;
    if (h.length === 6 || h.length === 8)
      return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as RGB;
    return null;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(t);
  if (m) return [1, 2, 3].map((i) => Math.max(0, Math.min(255, Math.round(Number(m![i]))))) as unknown as RGB;
  m = /^hsla?\(\s*([\d.]+)(?:deg)?[\s,]+([\d.]+)%[\s,]+([\d.]+)%/.exec(t);
  if (m) return hslToRgb(Number(m[1]), Number(m[2]) / 100, Number(m[3]) / 100);
  return null;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** RGB of a CSS colour; throws naming the prop when the string is not a colour. */
export function parseCssColor(color: string, what = "color"): RGB {
  const simple = parseSimple(color);
  if (simple) return simple;
  if (probe === undefined)
    probe = typeof document !== "undefined" ? document.createElement("canvas").getContext("2d") : null;
  if (probe) {
    // An invalid colour leaves fillStyle unchanged, so test with two different sentinels.
    probe.fillStyle = "#010203";
    probe.fillStyle = color;
    const a = String(probe.fillStyle);
    probe.fillStyle = "#040506";
    probe.fillStyle = color;
    const b = String(probe.fillStyle);
    if (a === b) {
      const parsed = parseSimple(a);
      if (parsed) return parsed;
    }
  }
  throw new Error(
    `${what} ${JSON.stringify(color)} is not a CSS colour this page understands (use #rrggbb, rgb(r, g, b) or a colour name)`,
  );
}
