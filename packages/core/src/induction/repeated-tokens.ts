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
export function generateRepeatedTokens(
  seqLen: number,
  batch: number,
  seed: number,
  opts: RepeatedTokensOptions = {},
): number[][] {
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

/** What `repeatedTokensFor` reads of a model. */
interface TokenSource {
  cfg: { d_vocab: number; n_ctx: number };
  tokenizer: { bosTokenId: number; vocabSize: number } | null;
}

/**
 * `generateRepeatedTokens` for a model: ids drawn from the tokenizer's vocabulary (within d_vocab; the whole
 * d_vocab without a tokenizer), BOS first: `bosTokenId`, else the tokenizer's (50256 for GPT-2's), else 0.
 * Refuses sequences longer than n_ctx and a BOS outside the vocabulary.
 */
export function repeatedTokensFor(
  model: TokenSource,
  seqLen: number,
  batch: number,
  seed: number,
  bosTokenId?: number,
): number[][] {
  if (2 * seqLen + 1 > model.cfg.n_ctx) {
    throw new Error(`Repeated sequence of length ${2 * seqLen + 1} exceeds the model's n_ctx = ${model.cfg.n_ctx}`);
  }
  const bos = bosTokenId ?? model.tokenizer?.bosTokenId ?? 0;
  if (!Number.isInteger(bos) || bos < 0 || bos >= model.cfg.d_vocab)
    throw new RangeError(`BOS id ${bos} is outside the model's vocabulary 0..${model.cfg.d_vocab - 1}`);
  const high = model.tokenizer ? Math.min(model.tokenizer.vocabSize, model.cfg.d_vocab) : model.cfg.d_vocab;
  return generateRepeatedTokens(seqLen, batch, seed, { low: 0, high, bosTokenId: bos });
}
