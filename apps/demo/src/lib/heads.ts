/** Heads as the page names them ("layer.head") and the lists the detectors show. */

/** A head's name, "layer.head". */
export const headName = (layer: number, head: number) => `${layer}.${head}`;

/** "1.4" → [1, 4]; null when it is not a head name. */
export function parseHead(name: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(name.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Heads whose score is strictly above `threshold`, in layer-then-head order (NaN never is). */
export function headsAbove(scores: readonly (readonly number[])[], threshold: number): string[] {
  const out: string[] = [];
  scores.forEach((row, l) =>
    row.forEach((v, h) => {
      if (v > threshold) out.push(headName(l, h));
    }),
  );
  return out;
}

/** The best-scoring head, or null when no score is finite. */
export function bestHead(
  scores: readonly (readonly number[])[],
): { layer: number; head: number; score: number } | null {
  let best: { layer: number; head: number; score: number } | null = null;
  scores.forEach((row, l) =>
    row.forEach((v, h) => {
      if (Number.isFinite(v) && (!best || v > best.score)) best = { layer: l, head: h, score: v };
    }),
  );
  return best;
}

/** "1 token", "2 tokens". */
export const plural = (n: number, word: string) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

/** A selected head's name as the kit's HeadRef (null when none or not a head). */
export function headRef(name: string | null): { layer: number; head: number } | null {
  const p = name ? parseHead(name) : null;
  return p ? { layer: p[0], head: p[1] } : null;
}
