/** Token highlight colours and the short "top sources" summaries used by the status line. */
import { rgbCss } from "./color-scales.js";
import { formatValue, shortToken } from "./format-token.js";
import type { Theme } from "./theme.js";

/**
 * Background per token: the theme's highlight colour at opacity value / max (max = the largest
 * value when `normalize`, else `maxValue`). A lightness-only cue, readable with any colour vision.
 */
export function highlightBackgrounds(
  values: ArrayLike<number>,
  theme: Theme,
  normalize: boolean,
  maxValue = 1,
): (string | null)[] {
  let max = maxValue;
  if (normalize) {
    max = 0;
    for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  }
  const out = new Array<string | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const a = max > 0 ? Math.min(1, Math.max(0, values[i]! / max)) : 0;
    out[i] = a > 0.01 ? rgbCss(theme.tokenHighlight, 0.08 + 0.82 * a) : null;
  }
  return out;
}

/** Text colours that stay readable on strong highlights. */
export function highlightForegrounds(
  values: ArrayLike<number>,
  theme: Theme,
  normalize: boolean,
  maxValue = 1,
): (string | null)[] {
  let max = maxValue;
  if (normalize) {
    max = 0;
    for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  }
  const strong = theme.name === "dark" ? "#111" : "#fff";
  const out = new Array<string | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = max > 0 && values[i]! / max > 0.6 ? strong : null;
  return out;
}

/** Indices of the `k` largest values, largest first. */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (idx.length < k) {
      idx.push(i);
      idx.sort((a, b) => values[b]! - values[a]!);
    } else if (values[i]! > values[idx[k - 1]!]!) {
      idx[k - 1] = i;
      idx.sort((a, b) => values[b]! - values[a]!);
    }
  }
  return idx;
}

/** e.g. `' the' (4) 0.812, ' cat' (9) 0.100` */
export function describeTop(values: ArrayLike<number>, tokens: readonly string[], k = 3): string {
  return topIndices(values, k)
    .map(
      (i) =>
        `${JSON.stringify(shortToken(tokens[i] ?? "", 20).replace(/\u00a0/g, " "))} (${i}) ${formatValue(values[i]!)}`,
    )
    .join(", ");
}
