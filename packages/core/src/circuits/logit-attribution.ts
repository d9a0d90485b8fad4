/**
 * Direct logit attribution (ARENA's `logit_attribution`, generalised as TransformerLens's
 * `get_full_resid_decomposition(expand_neurons=False, apply_ln=True)` + `logit_attrs` do): how much each summand
 * of the final residual stream contributes to the logit of the correct next token.
 *
 * Dimension legend: T positions, L layers, H heads, D d_model, V d_vocab.
 *
 * The final residual stream is embed + pos_embed (standard positions only: a shortformer model adds positions to
 * queries and keys, never to the stream) + Σ_l,h result[l][:, h] + Σ_l mlp_out[l] + Σ_l b_O[l], where result is
 * hook_result (the head's output without b_O; z · W_O when it was not recorded) and mlp_out includes b_out.
 * For position t < T−1 with next token y = tokens[t+1] and u = W_U[:, y], each summand x enters as x · u'_t, with
 *   u'_t = u                                          without LayerNorm,
 *   u'_t = (u ⊙ w − mean(u ⊙ w)) / scale[t]           with ln_final (scale = the cached ln_final.hook_scale;
 *                                                      w = ln_final.w for "LN", 1 for "LNPre"),
 * that is TransformerLens's `apply_ln_to_stack` (centre, divide by the cached scale) with ln_final's w folded in
 * (what `fold_ln` does to W_U). Columns: "direct" (embed), "pos_embed" (standard positions only), every head as
 * "layer.head", then every MLP as "{l}_mlp_out" (models with MLPs). The rest is the bias:
 *   bias[t] = (Σ_l b_O[l]) · u'_t + ln_final.b · u + b_U[y]
 * and Σ columns + bias = logits[t, y], the correct-token logit, exactly.
 */
import type { ActivationCache } from "../model/activation-cache.js";
import { headResults } from "../model/cache-decompositions.js";
import { validateTokens } from "../tokenizer/tokens.js";
import { Tensor } from "../tensor.js";
import { frozenLayerNorm, lnDirection } from "./ln-stack.js";

export interface LogitAttribution {
  /** "direct", "pos_embed" (standard positions only), every head as "layer.head", then "{l}_mlp_out" per MLP. */
  labels: string[];
  /** [T−1, labels.length] */
  attribution: Tensor;
  /** [T−1]: logits[t, tokens[t+1]] */
  correctLogits: Float32Array;
  /** [T−1]: the biases' share, (Σ_l b_O[l]) · u'_t + ln_final.b · W_U[:, next] + b_U[next] */
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

/** Σ_d x[o + d] · u[d]. */
function dotAt(x: Float32Array | Float64Array, o: number, u: Float64Array): number {
  let s = 0;
  for (let d = 0; d < u.length; d++) s += x[o + d] * u[d];
  return s;
}

/**
 * Direct logit attribution on an unbatched cache of `tokens` (see the module comment for the formula). The
 * cache needs hook_embed, hook_pos_embed (standard positions), each layer's hook_result or hook_z, hook_mlp_out
 * (models with MLPs), the last hook_resid_post and, with LayerNorm, ln_final.hook_scale.
 */
export function logitAttribution(cacheIn: ActivationCache, tokens: ArrayLike<number>): LogitAttribution {
  const { model, cache } = requireUnbatched(cacheIn, "logitAttribution");
  const { n_layers: L, n_heads: H, d_model: D, d_vocab_out: V, attn_only } = model.cfg;
  const embed = cache.get("embed");
  const T = embed.shape[0];
  validateTokens(tokens, model.cfg.d_vocab, undefined, "logitAttribution tokens");
  if (tokens.length !== T)
    throw new RangeError(`logitAttribution: ${tokens.length} tokens given, the cache holds ${T} positions`);
  if (T < 2) throw new RangeError("logitAttribution needs at least two tokens (there is no next token to attribute)");
  const ln = frozenLayerNorm(model, cache, "final", "logitAttribution");
  const W_U = model.W_U.data;
  const b_U = model.b_U.data;
  const b_O = model.b_O.data;
  // Every column's [T, ·, D] rows, in label order: [tensor, vectors per position].
  const columns: [Float32Array, number][] = [[embed.data, 1]];
  const labels = ["direct"];
  if (model.cfg.positional_embedding_type === "standard") {
    columns.push([cache.get("pos_embed").data, 1]);
    labels.push("pos_embed");
  }
  for (let l = 0; l < L; l++) {
    columns.push([headResults(cache, l).data, H]); // [T, H, D]
    for (let h = 0; h < H; h++) labels.push(`${l}.${h}`);
  }
  if (!attn_only) {
    for (let l = 0; l < L; l++) {
      columns.push([cache.get("mlp_out", l).data, 1]);
      labels.push(`${l}_mlp_out`);
    }
  }
  const C = labels.length;
  const out = new Float32Array((T - 1) * C);
  const correct = new Float32Array(T - 1);
  const bias = new Float32Array(T - 1);
  const bOsum = new Float64Array(D);
  for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) bOsum[d] += b_O[l * D + d];
  const final = cache.get("resid_post", L - 1).data;
  const u = new Float64Array(D);
  for (let t = 0; t < T - 1; t++) {
    const y = tokens[t + 1];
    for (let d = 0; d < D; d++) u[d] = W_U[d * V + y];
    const dir = lnDirection(u, ln, t);
    const constant = (ln.b ? dotAt(ln.b, 0, u) : 0) + b_U[y];
    let c = 0;
    for (const [x, n] of columns) for (let i = 0; i < n; i++) out[t * C + c++] = dotAt(x, (t * n + i) * D, dir);
    bias[t] = dotAt(bOsum, 0, dir) + constant;
    correct[t] = dotAt(final, t * D, dir) + constant; // the model's own logit for the next token
  }
  return { labels, attribution: new Tensor(out, [T - 1, C]), correctLogits: correct, biasLogits: bias };
}
