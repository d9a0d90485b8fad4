/**
 * What a single-sequence forward pass leaves behind so the next one can start where the inputs differ.
 * Causal attention makes every row before the first changed token final, so appending one token to a
 * 62-token input only computes one new row per activation (live typing).
 */
export class PrefixCache {
  readonly tokens: Int32Array;
  /** Full activations of the last run, by hook name (plus unembed results under "unembed.*"). */
  readonly acts: Map<string, Float32Array>;

  constructor(tokens: Int32Array, acts: Map<string, Float32Array>) {
    this.tokens = tokens;
    this.acts = acts;
  }

  /** Number of leading tokens `tokens` shares with the previous run. */
  commonPrefix(tokens: Int32Array): number {
    const n = Math.min(tokens.length, this.tokens.length);
    let i = 0;
    while (i < n && tokens[i] === this.tokens[i]) i++;
    return i;
  }
}

/** First `start` rows of a [P, width] array followed by `fresh` ([T - start, width]). */
export function joinRows(
  prev: Float32Array | undefined,
  start: number,
  width: number,
  fresh: Float32Array,
): Float32Array {
  if (start === 0 || !prev) return fresh;
  const out = new Float32Array(start * width + fresh.length);
  out.set(prev.subarray(0, start * width), 0);
  out.set(fresh, start * width);
  return out;
}

/**
 * Full [H, T, T] attention from the previous run's [H, P, P] (its first `start` rows and columns) and the
 * new rows `fresh` [H, T - start, T]. Entries of old rows right of column `start` lie above the causal
 * diagonal and get `above` (IGNORE for scores, 0 for patterns).
 */
export function joinAttention(
  prev: Float32Array | undefined,
  prevT: number,
  start: number,
  nHeads: number,
  t: number,
  fresh: Float32Array,
  above: number,
): Float32Array {
  if (start === 0 || !prev) return fresh;
  const out = new Float32Array(nHeads * t * t);
  const r = t - start;
  // Rows are copied element by element rather than through subarray views: an append at T = 62 would
  // otherwise make one view per head and old row (744 a layer for 12 heads), garbage on every keystroke.
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < start; i++) {
      const o = (h * t + i) * t;
      const src = (h * prevT + i) * prevT;
      for (let j = 0; j < start; j++) out[o + j] = prev[src + j]!;
      if (above !== 0) out.fill(above, o + start, o + t);
    }
    const from = h * r * t;
    const to = (h * t + start) * t;
    for (let j = 0; j < r * t; j++) out[to + j] = fresh[from + j]!;
  }
  return out;
}
