import type { Backend } from "../backend/backend.js";
import type { HookedTransformerConfig } from "../config.js";
import { forward, perTokenLoss, type ForwardResult } from "./forward-backward.js";
import type { Params } from "./params.js";
import { ActivationCache } from "../model/activation-cache.js";
import { Tensor } from "../tensor.js";
import { halfLosses } from "../model/loss.js";
import { Attention } from "../components/attention.js";
import { firstAttnDetector, inductionAttnDetector, prevAttnDetector } from "../detectors/attn-detectors.js";

/** What a training run reports about its heads on a fixed repeated-random-token probe. */
export interface ProbeResult {
  /** Mean loss predicting the first copy (loss positions 0 .. half-1) and the second copy (half .. 2·half-1). */
  lossFirstHalf: number;
  lossSecondHalf: number;
  /** [layer][head]: mean of the pattern diagonal at offset −(half − 1) (ARENA's induction score). */
  inductionScores: number[][];
  /** [layer][head]: mean of the pattern sub-diagonal (previous-token score). */
  prevTokenScores: number[][];
  /** [layer][head]: mean of the pattern's first column (attention to BOS). */
  firstTokenScores: number[][];
}

/** Run `rows` (BOS + half + the same half, equal lengths) and score every head. */
export function runProbe(
  cfg: HookedTransformerConfig,
  p: Params,
  rows: readonly (readonly number[])[],
  backend: Backend,
): ProbeResult {
  const T = rows[0].length;
  const half = (T - 1) / 2;
  if (!Number.isInteger(half) || half < 1)
    throw new RangeError(`probe rows must hold BOS + 2·half tokens, got length ${T}`);
  const tokens = new Int32Array(rows.length * T);
  rows.forEach((r, b) => {
    if (r.length !== T) throw new RangeError(`probe row ${b} has ${r.length} tokens, expected ${T}`);
    tokens.set(r, b * T);
  });
  const fwd = forward(cfg, p, tokens, rows.length, T, backend);
  const loss = perTokenLoss(cfg, fwd);
  const cache = patternCache(cfg, fwd);
  return {
    ...halfLosses(loss, rows.length, T - 1, half),
    inductionScores: inductionAttnDetector(cache, half).scores,
    prevTokenScores: prevAttnDetector(cache).scores,
    firstTokenScores: firstAttnDetector(cache).scores,
  };
}

/** The probe's attention patterns as a batched activation cache, so the head detectors score them. */
function patternCache(cfg: HookedTransformerConfig, fwd: ForwardResult): ActivationCache {
  const store = new Map<string, Tensor>();
  fwd.layers.forEach((act, l) => {
    store.set(Attention.patternHook(l), new Tensor(act.pattern, [fwd.batch, cfg.n_heads, fwd.seqLen, fwd.seqLen]));
  });
  return new ActivationCache(store, true);
}
