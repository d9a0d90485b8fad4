/**
 * Tokens often start with a space or are pure whitespace; show those visibly. The result is
 * always rendered as a text node (never parsed as HTML), so any string is safe.
 */
export function displayToken(token: string): string {
  if (token === "") return "∅";
  return token.replace(/\n/g, "↵").replace(/\t/g, "⇥").replace(/ /g, "\u00a0");
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
