import type { ActivationCache } from "../model/activation-cache.js";
import { Tensor } from "../tensor.js";
import { getActName } from "../model/hook-names.js";

/** Output of a head detector: the heads above the threshold and every head's score. */
export interface DetectorResult {
  /** Heads whose score is strictly above the threshold, as `"layer.head"`, in layer-then-head order. */
  heads: string[];
  /** Score of every head, [layer][head]; NaN where undefined (e.g. the sub-diagonal of a 1×1 pattern). */
  scores: number[][];
}

/** Scores one head's attention pattern [query_pos, key_pos]. */
export type PatternScoreFn = (pattern: Tensor) => number;

/**
 * The detector of ARENA's "Finding induction heads": score every head's pattern with `scoreFn` and
 * keep those strictly above `threshold`. A batched cache is scored per sequence and averaged.
 */
export function genericAttnDetector(cache: ActivationCache, scoreFn: PatternScoreFn, threshold = 0.4): DetectorResult {
  const nLayers = cache.nLayersWithPattern;
  if (nLayers === 0) {
    throw new Error(
      `The cache holds no attention patterns (${getActName("pattern", 0)}); run runWithCache without excluding them`,
    );
  }
  const scores: number[][] = [];
  const heads: string[] = [];
  for (let l = 0; l < nLayers; l++) {
    const pattern = cache.get("pattern", l);
    const items = cache.hasBatchDim ? Array.from({ length: pattern.shape[0] }, (_, b) => pattern.index(b)) : [pattern];
    const nHeads = items[0].shape[0];
    const row: number[] = [];
    for (let h = 0; h < nHeads; h++) {
      let sum = 0;
      for (const item of items) sum += scoreFn(item.index(h));
      const score = sum / items.length;
      row.push(score);
      if (score > threshold) heads.push(`${l}.${h}`);
    }
    scores.push(row);
  }
  return { heads, scores };
}

/** Mean of the diagonal at `offset` (0 = main, −1 = one below) of a [q, k] pattern; NaN when it is empty. */
export function diagonalMean(pattern: Tensor, offset: number): number {
  const [tq, tk] = pattern.shape;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < tq; i++) {
    const j = i + offset;
    if (j < 0 || j >= tk) continue;
    sum += pattern.data[i * tk + j];
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

/** Mean attention to column `col` over all queries. */
export function columnMean(pattern: Tensor, col: number): number {
  const [tq, tk] = pattern.shape;
  if (col >= tk) return NaN;
  let sum = 0;
  for (let i = 0; i < tq; i++) sum += pattern.data[i * tk + col];
  return sum / tq;
}

/** Heads that attend to the current token: mean of the pattern's diagonal. */
export function currentAttnDetector(cache: ActivationCache, threshold = 0.4): DetectorResult {
  return genericAttnDetector(cache, (p) => diagonalMean(p, 0), threshold);
}

/** Heads that attend to the previous token: mean of the pattern's sub-diagonal. */
export function prevAttnDetector(cache: ActivationCache, threshold = 0.4): DetectorResult {
  return genericAttnDetector(cache, (p) => diagonalMean(p, -1), threshold);
}

/** Heads that attend to the first token (BOS): mean of the pattern's first column. */
export function firstAttnDetector(cache: ActivationCache, threshold = 0.4): DetectorResult {
  return genericAttnDetector(cache, (p) => columnMean(p, 0), threshold);
}

/**
 * Induction heads on a repeated sequence (BOS + seqLen tokens + the same seqLen tokens): mean of the
 * diagonal at offset −(seqLen − 1), i.e. attention from a token to the token after its earlier copy.
 */
export function inductionAttnDetector(cache: ActivationCache, seqLen: number, threshold = 0.4): DetectorResult {
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`seqLen must be a positive integer, got ${seqLen}`);
  return genericAttnDetector(cache, (p) => diagonalMean(p, -(seqLen - 1)), threshold);
}
