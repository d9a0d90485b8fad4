/**
 * ARENA's `logit_attribution`: how much each path into the unembedding contributes to the logit of the
 * correct next token.
 *
 * Dimension legend: T positions, L layers, H heads, D d_model, V d_vocab.
 *
 * For position t < T−1 with next token y = tokens[t+1] and u = W_U[:, y]:
 *   direct[t]      = (embed[t] (+ pos_embed[t] in a "standard" model, where positions enter the stream)) · u
 *   head (l, h)[t] = result[l][t, h] · u        (hook_result: the head's output without b_O)
 *   bias[t]        = (Σ_l b_O[l]) · u + b_U[y]
 * and direct + Σ heads + bias = logits[t, y], the correct-token logit, exactly.
 */
import type { ActivationCache } from "../model/activation-cache.js";
import { headResults } from "../model/cache-decompositions.js";
import { validateTokens } from "../tokenizer/tokens.js";
import { Tensor } from "../tensor.js";

export interface LogitAttribution {
  /** "direct", then every head as "layer.head". */
  labels: string[];
  /** [T−1, 1 + L·H] */
  attribution: Tensor;
  /** [T−1]: logits[t, tokens[t+1]] */
  correctLogits: Float32Array;
  /** [T−1]: the biases' share, (Σ_l b_O[l]) · W_U[:, next] + b_U[next] */
  biasLogits: Float32Array;
}

function requireUnbatched(cache: ActivationCache, what: string) {
  if (!cache.model) throw new Error(`${what} needs a cache made by model.runWithCache (this one has no model)`);
  if (cache.hasBatchDim) {
    const B = cache.get("embed").shape[0];
    if (B !== 1)
      throw new Error(`${what} takes one sequence: use cache.batchItem(i) (this cache holds a batch of ${B})`);
    return { model: cache.model, cache: cache.removeBatchDim() };
  }
  return { model: cache.model, cache };
}

/** ARENA `logit_attribution` on an unbatched cache of `tokens` (see the module comment for the formula). */
export function logitAttribution(cacheIn: ActivationCache, tokens: ArrayLike<number>): LogitAttribution {
  const { model, cache } = requireUnbatched(cacheIn, "logitAttribution");
  const { n_layers: L, n_heads: H, d_model: D, d_vocab_out: V } = model.cfg;
  const embed = cache.get("embed");
  const T = embed.shape[0];
  validateTokens(tokens, model.cfg.d_vocab, undefined, "logitAttribution tokens");
  if (tokens.length !== T)
    throw new RangeError(`logitAttribution: ${tokens.length} tokens given, the cache holds ${T} positions`);
  if (T < 2) throw new RangeError("logitAttribution needs at least two tokens (there is no next token to attribute)");
  const W_U = model.W_U.data;
  const b_U = model.b_U.data;
  const b_O = model.b_O;
  const direct = model.cfg.positional_embedding_type === "standard" ? embed.add(cache.get("pos_embed")) : embed;
  const results = Array.from({ length: L }, (_, l) => headResults(cache, l)); // [T, H, D]
  const C = 1 + L * H;
  const out = new Float32Array((T - 1) * C);
  const correct = new Float32Array(T - 1);
  const bias = new Float32Array(T - 1);
  const bOsum = new Float64Array(D);
  for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) bOsum[d] += b_O.data[l * D + d];
  const udot = (x: Float32Array | Float64Array, o: number, y: number) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[o + d] * W_U[d * V + y];
    return s;
  };
  const final = cache.get("resid_post", L - 1);
  for (let t = 0; t < T - 1; t++) {
    const y = tokens[t + 1];
    const put = (c: number, v: number) => {
      out[t * C + c] = v;
    };
    put(0, udot(direct.data, t * D, y));
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++) put(1 + l * H + h, udot(results[l].data, (t * H + h) * D, y));
    bias[t] = udot(bOsum, 0, y) + b_U[y];
    correct[t] = udot(final.data, t * D, y) + b_U[y]; // the model's own logit for the next token
  }
  const labels = ["direct"];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) labels.push(`${l}.${h}`);
  return { labels, attribution: new Tensor(out, [T - 1, C]), correctLogits: correct, biasLogits: bias };
}
