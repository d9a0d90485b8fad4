import { SeededRandom } from "../util/random.js";

export interface RepeatedTokensOptions {
  /** Smallest id drawn. @default 0 */
  low?: number;
  /** One past the largest id drawn. @default 50278 (the ARENA model's d_vocab) */
  high?: number;
  /** Id put first and never drawn. @default 0 */
  bosTokenId?: number;
}

/**
 * ARENA's `generate_repeated_tokens`: each row is BOS + `seqLen` random ids + the same `seqLen` ids again
 * (length 2·seqLen + 1). Seeded and platform-independent; the BOS id is never drawn.
 */
export function generateRepeatedTokens(seqLen: number, batch: number, seed: number, opts: RepeatedTokensOptions = {}): number[][] {
  const { low = 0, high = 50278, bosTokenId = 0 } = opts;
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`seqLen must be a positive integer, got ${seqLen}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  if (!(high - low >= 2)) throw new Error(`Need at least two ids to draw from, got [${low}, ${high})`);
  const rng = new SeededRandom(seed);
  const rows: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const half: number[] = [];
    while (half.length < seqLen) {
      const id = rng.int(low, high);
      if (id !== bosTokenId) half.push(id);
    }
    rows.push([bosTokenId, ...half, ...half]);
  }
  return rows;
}
