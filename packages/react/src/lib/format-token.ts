const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
const NAMED: Record<string, string> = { "\n": "↵", "\t": "⇥", "\r": "␍", "\x7f": "␡" };

/**
 * Characters that draw nothing or move the cursor, shown as visible escapes instead: the
 * newline and tab as "↵" and "⇥", other C0 controls and DEL as their Unicode control pictures
 * ("␀", "␛", "␡"), C1 controls as "\xNN" (how a byte-level tokenizer shows bytes 0x80-0xff),
 * and invisible format characters, line/paragraph separators and lone surrogates as "\uXXXX".
 * Everything printable, spaces included, is left as it is. A zero-width joiner inside a longer
 * token is kept: it joins emoji.
 */
export function escapeNonPrintable(token: string): string {
  return token.replace(NON_PRINTABLE, (ch) => {
    const named = NAMED[ch];
    if (named) return named;
    const c = ch.charCodeAt(0);
    if (c < 0x20) return String.fromCharCode(0x2400 + c);
    if (c < 0xa0) return `\\x${c.toString(16).padStart(2, "0")}`;
    if (ch === "\u200d" && token.length > 1) return ch;
    return `\\u${c.toString(16).padStart(4, "0")}`;
  });
}

/**
 * A token as a standalone label (axis ticks, tooltips, tables): non-printable characters
 * escaped, spaces as no-break spaces so a leading space stays visible, "∅" for the empty
 * token. The result is always rendered as a text node (never parsed as HTML), so any string is safe.
 */
export function displayToken(token: string): string {
  if (token === "") return "∅";
  return escapeNonPrintable(token).replace(/ /g, "\u00a0");
}

/**
 * A token as part of running text (the token strip): escapes only for non-printable
 * characters, real spaces (so the text wraps between words), and whether the text should
 * continue on a new line after it (the token holds a newline).
 */
export function flowToken(token: string): { text: string; breakAfter: boolean } {
  if (token === "") return { text: "∅", breakAfter: false };
  return { text: escapeNonPrintable(token), breakAfter: token.includes("\n") };
}

/** Short form for axis labels and tooltips. */
export function shortToken(token: string, maxLength = 14): string {
  const s = displayToken(token);
  return s.length > maxLength ? `${s.slice(0, maxLength - 1)}…` : s;
}

/** A value as a short fixed-precision string. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.001 || a >= 10000)) return v.toExponential(2);
  return v.toFixed(3);
}

/** What a tooltip says for a cell hidden by the causal mask (it has no attention to show). */
export const MASKED = "masked (source after destination)";
