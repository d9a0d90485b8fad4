/**
 * ARENA's positional previous-token score: how much a head's QK circuit, fed positions only, attends to the
 * previous position.
 *
 * Dimension legend: N n_ctx, D d_model, Dh d_head.
 *
 *   scores = W_pos W_Q[l, h] (W_pos W_K[l, h])ᵀ / √d_head   [N, N], −1e6 above the diagonal
 *   score  = mean over i = 1..N−1 of softmax(scores[i])[i − 1]   (the pattern's sub-diagonal)
 * No biases, all n_ctx positions. Only one row of scores is held at a time.
 */
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { parseHead, type HeadRef } from "./heads.js";

export function positionalQkScore(model: HookedTransformer, head: HeadRef): number {
  const { layer, head: h } = parseHead(head, model.cfg);
  const { n_ctx: N, d_model: D, d_head: Dh } = model.cfg;
  if (N < 2) return NaN;
  const q = model.backend.matmul(model.W_pos.data, model.W_Q.index(layer, h).data, N, D, Dh);
  const k = model.backend.matmul(model.W_pos.data, model.W_K.index(layer, h).data, N, D, Dh);
  const scale = Math.sqrt(Dh);
  const row = new Float64Array(N);
  let total = 0;
  for (let i = 1; i < N; i++) {
    let max = -Infinity;
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let d = 0; d < Dh; d++) s += q[i * Dh + d] * k[j * Dh + d];
      row[j] = s / scale;
      if (row[j] > max) max = row[j];
    }
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += Math.exp(row[j] - max);
    total += Math.exp(row[i - 1] - max) / sum;
  }
  return total / (N - 1);
}
