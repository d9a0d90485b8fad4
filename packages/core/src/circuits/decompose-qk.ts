/**
 * ARENA's decomposition of an induction head's attention scores by where its queries and keys come from
 * (`decompose_qk_input`, `decompose_q`, `decompose_k`, `decompose_attn_scores`), on any supported model.
 *
 * Dimension legend: C components, T positions, D d_model, Dh d_head.
 *
 * The residual stream into block l is embed + pos_embed (standard positions) + Σ (results of the heads of layers
 * < l) + Σ (mlp_out of layers < l) + biases, left out as ARENA does. A head of layer l reads ln1 of it: each
 * component x enters as ln1(x) = (x − mean(x)) / scale (⊙ ln1.w for "LN"), scale being the cached
 * `blocks.l.ln1.hook_scale` (TransformerLens's `apply_ln_to_stack`; the identity without LayerNorm). A
 * shortformer model adds pos_embed after ln1, to queries and keys only. Components y_c are stacked [C, T, D]
 * with labels "embed", "pos_embed", "0.0", …, "0_mlp_out", …;
 *   q_c = y_c W_Q[l, h],  k_c = y_c W_K[l, h]   [C, T, Dh]   (no b_Q / b_K)
 *   score[c_q, c_k, t_q, t_k] = q_{c_q}[t_q] · k_{c_k}[t_k] / √d_head   (unmasked)
 * and the std table is the unbiased std of score[c_q, c_k] over all T × T entries.
 */
import type { ActivationCache } from "../model/activation-cache.js";
import { headResults, stackTensors, type LabeledStack } from "../model/cache-decompositions.js";
import { Tensor } from "../tensor.js";
import { parseHead, type HeadRef } from "./heads.js";
import { applyLn, frozenLayerNorm } from "./ln-stack.js";

function unbatched(cache: ActivationCache, what: string): ActivationCache {
  if (!cache.model) throw new Error(`${what} needs a cache made by model.runWithCache (this one has no model)`);
  if (!cache.hasBatchDim) return cache;
  const B = cache.get("embed").shape[0];
  if (B !== 1) throw new Error(`${what} takes one sequence: use cache.batchItem(i) (this cache holds a batch of ${B})`);
  return cache.removeBatchDim();
}

/**
 * ARENA `decompose_qk_input`: [embed, pos_embed, every head's result in layers < `layer`, every mlp_out in layers
 * < `layer`] as [C, T, D], each as it enters block `layer`'s attention (through ln1's cached scale).
 */
export function decomposeQkInput(cacheIn: ActivationCache, layer = 1): LabeledStack {
  const cache = unbatched(cacheIn, "decomposeQkInput");
  const model = cache.model!;
  const { n_layers: L, n_heads: H, attn_only } = model.cfg;
  if (!Number.isInteger(layer) || layer < 1 || layer >= L)
    throw new RangeError(`decomposeQkInput: layer must be 1..${L - 1} (a layer with earlier heads), got ${layer}`);
  const ln = frozenLayerNorm(model, cache, layer, "decomposeQkInput");
  const embed = cache.get("embed");
  const inStream = model.cfg.positional_embedding_type === "standard";
  const pos = cache.get("pos_embed");
  const parts: Tensor[] = [applyLn(embed, ln), inStream ? applyLn(pos, ln) : pos];
  const labels = ["embed", "pos_embed"];
  for (let l = 0; l < layer; l++) {
    const r = headResults(cache, l); // [T, H, D]
    for (let h = 0; h < H; h++) {
      parts.push(applyLn(r.select(1, h), ln));
      labels.push(`${l}.${h}`);
    }
  }
  if (!attn_only) {
    for (let l = 0; l < layer; l++) {
      parts.push(applyLn(cache.get("mlp_out", l), ln));
      labels.push(`${l}_mlp_out`);
    }
  }
  return { stack: stackTensors(parts, embed.shape), labels };
}

function project(stack: Tensor, W: Tensor): Tensor {
  return stack.matmul(W); // [C, T, D] @ [D, Dh]
}

/** ARENA `decompose_q`: each component's share of head `head`'s queries, [C, T, Dh] (no b_Q). */
export function decomposeQ(cache: ActivationCache, head: HeadRef, input?: LabeledStack): Tensor {
  const model = cache.model;
  if (!model) throw new Error("decomposeQ needs a cache made by model.runWithCache");
  const { layer, head: h } = parseHead(head, model.cfg);
  return project((input ?? decomposeQkInput(cache, layer)).stack, model.W_Q.index(layer, h));
}

/** ARENA `decompose_k`: each component's share of head `head`'s keys, [C, T, Dh] (no b_K). */
export function decomposeK(cache: ActivationCache, head: HeadRef, input?: LabeledStack): Tensor {
  const model = cache.model;
  if (!model) throw new Error("decomposeK needs a cache made by model.runWithCache");
  const { layer, head: h } = parseHead(head, model.cfg);
  return project((input ?? decomposeQkInput(cache, layer)).stack, model.W_K.index(layer, h));
}

/** ARENA `decompose_attn_scores`: [Cq, Ck, T, T] = q_{c_q} · k_{c_k}ᵀ / √d_head, unmasked. */
export function decomposedAttnScores(q: Tensor, k: Tensor): Tensor {
  if (q.ndim !== 3 || k.ndim !== 3 || q.shape[2] !== k.shape[2]) {
    throw new RangeError(
      `decomposedAttnScores takes q [C, T, d_head] and k [C, T, d_head], got [${q.shape.join(", ")}] and [${k.shape.join(", ")}]`,
    );
  }
  const [Cq, Tq, Dh] = q.shape;
  const [Ck, Tk] = k.shape;
  const scale = Math.sqrt(Dh);
  const out = new Float32Array(Cq * Ck * Tq * Tk);
  for (let a = 0; a < Cq; a++)
    for (let b = 0; b < Ck; b++) {
      const o = (a * Ck + b) * Tq * Tk;
      for (let i = 0; i < Tq; i++)
        for (let j = 0; j < Tk; j++) {
          let s = 0;
          for (let d = 0; d < Dh; d++) s += q.data[(a * Tq + i) * Dh + d] * k.data[(b * Tk + j) * Dh + d];
          out[o + i * Tk + j] = s / scale;
        }
    }
  return new Tensor(out, [Cq, Ck, Tq, Tk]);
}

/** ARENA's std-by-component table of head `head`: labels and std [Cq, Ck] of the decomposed scores over all (query, key). */
export function decomposedAttnScoreStd(cache: ActivationCache, head: HeadRef): { labels: string[]; std: Tensor } {
  const model = cache.model;
  if (!model) throw new Error("decomposedAttnScoreStd needs a cache made by model.runWithCache");
  const { layer } = parseHead(head, model.cfg);
  const input = decomposeQkInput(cache, layer);
  const scores = decomposedAttnScores(decomposeQ(cache, head, input), decomposeK(cache, head, input));
  return { labels: input.labels, std: scores.std([2, 3]) };
}
