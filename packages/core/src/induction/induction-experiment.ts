import type { HookedTransformer } from "../model/hooked-transformer.js";
import { inductionAttnDetector } from "../detectors/attn-detectors.js";
import { repeatedTokensFor } from "./repeated-tokens.js";
import { halfLosses } from "../model/loss.js";
import { Attention } from "../components/attention.js";

export interface InductionExperimentOptions {
  /** Length of the random half. @default 50 */
  seqLen?: number;
  /** Number of random sequences. @default 10 */
  batch?: number;
  /** @default 0 */
  seed?: number;
  /** Use these repeated sequences (BOS + half + half, equal lengths) instead of random ones. */
  tokens?: readonly (readonly number[])[];
  /** Threshold for naming induction heads. @default 0.4 */
  threshold?: number;
  /** BOS of the random sequences. @default the tokenizer's, else 0 */
  bosTokenId?: number;
}

export interface InductionExperimentResult {
  tokens: number[][];
  seqLen: number;
  /** [layer][head]: mean of the pattern's diagonal at offset −(seqLen−1), over batch and positions. */
  inductionScores: number[][];
  inductionHeads: string[];
  /** Mean loss predicting tokens 1..seqLen (the first, unpredictable copy). */
  lossFirstHalf: number;
  /** Mean loss predicting the second copy, which induction heads can copy. */
  lossSecondHalf: number;
  /** [batch][position] loss for predicting token position+1. */
  perTokenLoss: number[][];
}

/**
 * ARENA's induction experiment: run repeated random tokens, measure the loss on each half and every
 * head's induction score.
 */
export async function runInductionExperiment(
  model: HookedTransformer,
  opts: InductionExperimentOptions = {},
): Promise<InductionExperimentResult> {
  const { batch = 10, seed = 0, threshold = 0.4 } = opts;
  let tokens: number[][];
  let seqLen: number;
  if (opts.tokens) {
    tokens = opts.tokens.map((r) => [...r]);
    const T = tokens[0]?.length ?? 0;
    if (T < 3 || T % 2 !== 1) {
      throw new Error(`Repeated-token input must be BOS + a half + the same half (odd length ≥ 3), got length ${T}`);
    }
    seqLen = (T - 1) / 2;
    if (opts.seqLen !== undefined && opts.seqLen !== seqLen) {
      throw new Error(`seqLen ${opts.seqLen} does not match the given tokens (length ${T} means seqLen ${seqLen})`);
    }
  } else {
    seqLen = opts.seqLen ?? 50;
    tokens = repeatedTokensFor(model, seqLen, batch, seed, opts.bosTokenId);
  }
  if (2 * seqLen + 1 > model.cfg.n_ctx) {
    throw new Error(`Repeated sequence of length ${2 * seqLen + 1} exceeds the model's n_ctx = ${model.cfg.n_ctx}`);
  }
  const { loss, cache } = await model.runWithCache(tokens, {
    returnType: "loss",
    lossPerToken: true,
    namesFilter: Array.from({ length: model.cfg.n_layers }, (_, l) => Attention.patternHook(l)),
  });
  const det = inductionAttnDetector(cache, seqLen, threshold);
  const L = loss!;
  const T1 = L.shape[1];
  const perTokenLoss: number[][] = [];
  for (let b = 0; b < tokens.length; b++) perTokenLoss.push(Array.from(L.data.subarray(b * T1, (b + 1) * T1)));
  const halves = halfLosses(L.data, tokens.length, T1, seqLen);
  return {
    tokens,
    seqLen,
    inductionScores: det.scores,
    inductionHeads: det.heads,
    ...halves,
    perTokenLoss,
  };
}
