/** The token set a vocab × vocab circuit is restricted to: ids lo ≤ id < hi (default the whole vocabulary). */
import type { HookedTransformerConfig } from "../config.js";
import type { Tensor } from "../tensor.js";

/** `[lo, hi)`, as the CLI's `--vocab LO:HI`. */
export type VocabRange = readonly [number, number];

export interface ResolvedVocab {
  lo: number;
  hi: number;
  n: number;
}

/** Check a range against the model: integers, non-empty, inside 0..d_vocab (and d_vocab_out). */
export function resolveVocab(
  cfg: Pick<HookedTransformerConfig, "d_vocab" | "d_vocab_out">,
  vocab?: VocabRange,
): ResolvedVocab {
  const V = Math.min(cfg.d_vocab, cfg.d_vocab_out);
  const [lo, hi] = vocab ?? [0, V];
  if (!Number.isInteger(lo) || !Number.isInteger(hi))
    throw new RangeError(`vocab range [${lo}, ${hi}) must be two integers`);
  if (lo < 0 || hi > V)
    throw new RangeError(
      `vocab range [${lo}, ${hi}) is outside the vocabulary: token ids are 0..${V - 1} (so 0 ≤ lo < hi ≤ ${V})`,
    );
  if (hi <= lo) throw new RangeError(`vocab range [${lo}, ${hi}) is empty: give lo < hi`);
  return { lo, hi, n: hi - lo };
}

/** Rows lo..hi of W_E [V, D], as a view. */
export function embedRows(W_E: Tensor, v: ResolvedVocab): Float32Array {
  const D = W_E.shape[1];
  return W_E.data.subarray(v.lo * D, v.hi * D);
}

/** Columns lo..hi of W_U [D, V] as a [D, n] array (a view when it is the whole vocabulary). */
export function unembedCols(W_U: Tensor, v: ResolvedVocab): Float32Array {
  const [D, V] = W_U.shape;
  if (v.lo === 0 && v.hi === V) return W_U.data;
  const out = new Float32Array(D * v.n);
  for (let d = 0; d < D; d++) out.set(W_U.data.subarray(d * V + v.lo, d * V + v.hi), d * v.n);
  return out;
}
