/** Plain-text tables for the non-JSON output. */

/** A [layer][head] score table with head columns; NaN shows as "n/a". */
export function scoreTable(title: string, scores: readonly (readonly number[])[]): string {
  const nHeads = Math.max(0, ...scores.map((r) => r.length));
  const cell = (s: string) => s.padStart(6);
  const lines = [title, `      ${Array.from({ length: nHeads }, (_, h) => cell(`H${h}`)).join(" ")}`];
  scores.forEach((row, l) => {
    lines.push(`  L${l}  ${row.map((v) => cell(Number.isNaN(v) ? "n/a" : v.toFixed(3))).join(" ")}`);
  });
  return lines.join("\n");
}

export function headList(heads: readonly string[]): string {
  return heads.length ? heads.join(" ") : "none";
}

/** One line of tokens for the header of a report, shortened when long. */
export function tokenLine(strTokens: readonly string[], max = 24): string {
  const shown = strTokens
    .slice(0, max)
    .map((s) => JSON.stringify(s))
    .join(" ");
  return strTokens.length > max ? `${shown} … (${strTokens.length - max} more)` : shown;
}

/** A [row head][column head] table between two layers, labelled "0.p" down and "1.i" across. */
export function pairTable(title: string, values: readonly (readonly number[])[], rowLayer = 0, colLayer = 1): string {
  const n = Math.max(0, ...values.map((r) => r.length));
  const cell = (s: string) => s.padStart(6);
  const lines = [title, `      ${Array.from({ length: n }, (_, i) => cell(`${colLayer}.${i}`)).join(" ")}`];
  values.forEach((row, p) =>
    lines.push(`${`${rowLayer}.${p}`.padStart(5)} ${row.map((v) => cell(v.toFixed(3))).join(" ")}`),
  );
  return lines.join("\n");
}
