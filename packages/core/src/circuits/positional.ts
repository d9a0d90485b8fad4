/**
 * ARENA's positional previous-token score: how much a head's QK circuit, fed positions only, attends to the
 * previous position.
 *
 * Dimension legend: N n_ctx, D d_model, Dh d_head.
 *
 *   scores = W_pos W_Q[l, h] (W_pos W_K[l, h])ᵀ / √d_head   [N, N], −1e6 above the diagonal
 *   score  = mean over i = 1..N−1 of softmax(scores[i])[i − 1]   (the pattern's sub-diagonal)
 * No biases, all n_ctx positions. The scores are products on the model's backend, a block of rows at a time.
 */
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { parseHead, type HeadRef } from "./heads.js";

export function positionalQkScore(model: HookedTransformer, head: HeadRef): number {
  const { layer, head: h } = parseHead(head, model.cfg);
  const { n_ctx: N, d_model: D, d_head: Dh } = model.cfg;
  if (N < 2) return NaN;
  const be = model.backend;
  const q = be.matmul(model.W_pos.data, model.W_Q.index(layer, h).data, N, D, Dh);
  const k = be.matmul(model.W_pos.data, model.W_K.index(layer, h).data, N, D, Dh);
  const scale = Math.sqrt(Dh);
  // Query rows a block at a time (q_rows · kᵀ on the backend), so at most R × N scores are held.
  const R = Math.max(1, Math.min(N, Math.floor((1 << 20) / N)));
  const block = new Float32Array(R * N);
  let total = 0;
  for (let i0 = 1; i0 < N; i0 += R) {
    const rows = Math.min(R, N - i0);
    const s = be.matmul(q.subarray(i0 * Dh, (i0 + rows) * Dh), k, rows, Dh, N, {
      transB: true,
      out: block.subarray(0, rows * N),
    });
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const o = r * N;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) if (s[o + j] > max) max = s[o + j];
      let sum = 0;
      for (let j = 0; j <= i; j++) sum += Math.exp((s[o + j] - max) / scale);
      total += Math.exp((s[o + i - 1] - max) / scale) / sum;
    }
  }
  return total / (N - 1);
}
