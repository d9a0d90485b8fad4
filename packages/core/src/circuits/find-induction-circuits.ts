/**
 * The seed's definition of an induction circuit as one call: a previous-token head in an earlier layer
 * composed through K-composition with an induction head in a later one.
 *
 * Every pair (head a in layer l₁, head b in layer l₂ > l₁) gets its K-composition score (TransformerLens
 * `all_composition_scores("K")`), a's previous-token score (mean of its pattern's sub-diagonal) and b's
 * induction score (mean of the diagonal at offset −(S−1)), both on repeated random tokens (BOS + S + the same
 * S). Pairs that are circuits by the detectors' definition (a above the threshold as a previous-token head,
 * b as an induction head) come first, strongest K-composition first; the other pairs follow, also by
 * K-composition.
 */
import { inductionAttnDetector, prevAttnDetector } from "../detectors/attn-detectors.js";
import { repeatedTokensFor } from "../induction/repeated-tokens.js";
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { compositionScores } from "./composition.js";
import { repeatedSeqLen } from "./ablation.js";
import { getActName } from "../model/hook-names.js";

export interface InductionCircuit {
  /** The earlier head, "layer.head". */
  previous: string;
  /** The later head. */
  induction: string;
  /** K-composition of previous's OV into induction's keys. */
  kComposition: number;
  /** previous's previous-token score on the repeated tokens. */
  previousScore: number;
  /** induction's induction score on the repeated tokens. */
  inductionScore: number;
  /** Both heads pass the detectors' threshold. */
  isCircuit: boolean;
}

export interface FindInductionCircuitsOptions {
  /** @default 50 */
  seqLen?: number;
  /** @default 10 */
  batch?: number;
  /** @default 0 */
  seed?: number;
  /** Repeated sequences to use instead of random ones (BOS + S + the same S). */
  tokens?: readonly (readonly number[])[];
  /** Detector threshold. @default 0.4 */
  threshold?: number;
  /** BOS of the random sequences. @default the tokenizer's, else 0 */
  bosTokenId?: number;
}

export interface InductionCircuits {
  /** Every pair, circuits first, then by K-composition (best first). */
  circuits: InductionCircuit[];
  /** [layer][head] previous-token and induction scores on the repeated tokens. */
  previousScores: number[][];
  inductionScores: number[][];
  previousHeads: string[];
  inductionHeads: string[];
  tokens: number[][];
}

export async function findInductionCircuits(
  model: HookedTransformer,
  opts: FindInductionCircuitsOptions = {},
): Promise<InductionCircuits> {
  const { n_layers: L, n_heads: H } = model.cfg;
  const threshold = opts.threshold ?? 0.4;
  const K = compositionScores(model, "K"); // refuses one-layer models
  let tokens: number[][];
  if (opts.tokens) tokens = opts.tokens.map((r) => [...r]);
  else tokens = repeatedTokensFor(model, opts.seqLen ?? 50, opts.batch ?? 10, opts.seed ?? 0, opts.bosTokenId);
  const S = repeatedSeqLen(tokens);
  const { cache } = await model.runWithCache(tokens, {
    returnType: "none",
    namesFilter: Array.from({ length: model.cfg.n_layers }, (_, l) => getActName("pattern", l)),
  });
  const prev = prevAttnDetector(cache, threshold);
  const ind = inductionAttnDetector(cache, S, threshold);
  const circuits: InductionCircuit[] = [];
  for (let l1 = 0; l1 < L; l1++)
    for (let a = 0; a < H; a++)
      for (let l2 = l1 + 1; l2 < L; l2++)
        for (let b = 0; b < H; b++) {
          const previous = `${l1}.${a}`;
          const induction = `${l2}.${b}`;
          circuits.push({
            previous,
            induction,
            kComposition: K.at(l1, a, l2, b),
            previousScore: prev.scores[l1][a],
            inductionScore: ind.scores[l2][b],
            isCircuit: prev.heads.includes(previous) && ind.heads.includes(induction),
          });
        }
  circuits.sort((x, y) => Number(y.isCircuit) - Number(x.isCircuit) || y.kComposition - x.kComposition);
  return {
    circuits,
    previousScores: prev.scores,
    inductionScores: ind.scores,
    previousHeads: prev.heads,
    inductionHeads: ind.heads,
    tokens,
  };
}
