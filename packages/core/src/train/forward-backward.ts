import type { Backend } from "../backend/backend.js";
import type { HookedTransformerConfig } from "../config.js";
import type { Params } from "./params.js";
import { logSumExp, tokenLoss } from "../model/loss.js";

/**
 * Forward pass that keeps what the backward pass needs, and the backward pass itself, for TransformerLens's
 * attention-only transformer (causal attention, no normalization, untied embed/unembed with biases,
 * `shortformer` or `standard` positions). A batch is `batch` sequences of `seqLen` token ids, flattened.
 *
 * Every product goes through the `Backend` (matmul with transposes, attnScores, causalSoftmax, patternValue)
 * so faster kernels speed training up too. The attention backward reuses the same three attention ops:
 *   dPattern = attnScores(dZ, V)            (q·k with q = dZ, k = V, unscaled, 0 above the diagonal)
 *   dQ       = patternValue(dScores, K)     (Σ_j dS[i,j] K[j])
 *   dK       = patternValue(dScoresᵀ, Q),  dV = patternValue(Patternᵀ, dZ)
 */
export interface LayerActivations {
  /** Residual stream into the layer [N, d_model]. */
  resid: Float32Array;
  /** Input of W_Q/W_K: resid + W_pos (shortformer) or resid itself (standard). */
  qkIn: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** [batch, H, T, T] attention patterns. */
  pattern: Float32Array;
  /** [N, H * d_head]. */
  z: Float32Array;
}

export interface ForwardResult {
  batch: number;
  seqLen: number;
  tokens: Int32Array;
  layers: LayerActivations[];
  /** Final residual stream [N, d_model]. */
  residFinal: Float32Array;
  /** [N, d_vocab_out], only when logits were asked for. */
  logits: Float32Array | null;
}

export interface ForwardOptions {
  /** Compute the unembed (default true). Detector-only probes can skip it. */
  logits?: boolean;
}

export function forward(
  cfg: HookedTransformerConfig,
  p: Params,
  tokens: Int32Array,
  batch: number,
  seqLen: number,
  backend: Backend,
  opts: ForwardOptions = {},
): ForwardResult {
  const { d_model: D, n_heads: H, d_head: E, d_vocab, n_ctx } = cfg;
  const HE = H * E;
  const T = seqLen;
  const N = batch * T;
  if (tokens.length !== N)
    throw new RangeError(`forward: ${tokens.length} tokens for batch ${batch} × seqLen ${seqLen}`);
  if (T > n_ctx) throw new RangeError(`forward: seqLen ${T} exceeds n_ctx ${n_ctx}`);
  const shortformer = cfg.positional_embedding_type === "shortformer";

  let resid: Float32Array = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const tok = tokens[n];
    if (!(tok >= 0 && tok < d_vocab))
      throw new RangeError(
        `forward: token ${tok} at position ${n % T} of sequence ${Math.floor(n / T)} is outside the vocabulary [0, ${d_vocab})`,
      );
    resid.set(p.W_E.subarray(tok * D, tok * D + D), n * D);
    if (!shortformer) {
      const po = (n % T) * D;
      for (let d = 0; d < D; d++) resid[n * D + d] += p.W_pos[po + d];
    }
  }

  const layers: LayerActivations[] = [];
  for (const lp of p.layers) {
    let qkIn = resid;
    if (shortformer) {
      qkIn = new Float32Array(N * D);
      for (let n = 0; n < N; n++) {
        const po = (n % T) * D;
        for (let d = 0; d < D; d++) qkIn[n * D + d] = resid[n * D + d] + p.W_pos[po + d];
      }
    }
    const q = backend.matmul(qkIn, lp.W_Q, N, D, HE, { bias: lp.b_Q });
    const k = backend.matmul(qkIn, lp.W_K, N, D, HE, { bias: lp.b_K });
    const v = backend.matmul(resid, lp.W_V, N, D, HE, { bias: lp.b_V });
    const pattern = new Float32Array(batch * H * T * T);
    const z = new Float32Array(N * HE);
    for (let b = 0; b < batch; b++) {
      const rows = [b * T * HE, (b + 1) * T * HE] as const;
      const pat = pattern.subarray(b * H * T * T, (b + 1) * H * T * T);
      backend.attnScores(q.subarray(...rows), k.subarray(...rows), T, T, H, E, cfg.attn_scale, -Infinity, pat);
      backend.causalSoftmax(pat, H, T, T, pat);
      backend.patternValue(pat, v.subarray(...rows), T, T, H, E, z.subarray(...rows));
    }
    const next = backend.matmul(z, lp.W_O, N, HE, D, { bias: lp.b_O });
    for (let i = 0; i < next.length; i++) next[i] += resid[i];
    layers.push({ resid, qkIn, q, k, v, pattern, z });
    resid = next;
  }

  const logits = opts.logits === false ? null : backend.matmul(resid, p.W_U, N, D, cfg.d_vocab_out, { bias: p.b_U });
  return { batch, seqLen, tokens, layers, residFinal: resid, logits };
}

/**
 * Per-token loss [batch, seqLen - 1]: negative log-probability of token t + 1 given tokens ..t
 * (TransformerLens `lm_cross_entropy_loss(per_token=True)`), accumulated in float64.
 */
export function perTokenLoss(cfg: HookedTransformerConfig, fwd: ForwardResult): Float64Array {
  if (!fwd.logits) throw new Error("perTokenLoss: forward ran without logits");
  const V = cfg.d_vocab_out;
  const { batch, seqLen: T, tokens, logits } = fwd;
  const out = new Float64Array(batch * (T - 1));
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T - 1; t++) {
      const row = (b * T + t) * V;
      out[b * (T - 1) + t] = tokenLoss(logits, row, V, tokens[b * T + t + 1]);
    }
  }
  return out;
}

/**
 * Mean next-token cross-entropy over every position that has a next token, and its gradient with respect
 * to every parameter, written into `grads` (overwritten, same layout as the parameters).
 */
export function lossAndGrad(
  cfg: HookedTransformerConfig,
  p: Params,
  grads: Params,
  tokens: Int32Array,
  batch: number,
  seqLen: number,
  backend: Backend,
): { loss: number; forward: ForwardResult } {
  const fwd = forward(cfg, p, tokens, batch, seqLen, backend);
  const { d_model: D, n_heads: H, d_head: E } = cfg;
  const V = cfg.d_vocab_out;
  const HE = H * E;
  const T = seqLen;
  const N = batch * T;
  const count = batch * (T - 1);
  const shortformer = cfg.positional_embedding_type === "shortformer";

  // dLoss/dlogits = (softmax - onehot) / count, in place over the logits; the last position has no target.
  const dlogits = fwd.logits!;
  let lossSum = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    if (n % T === T - 1) {
      dlogits.fill(0, row, row + V);
      continue;
    }
    const target = tokens[n + 1];
    const lse = logSumExp(dlogits, row, V);
    lossSum += lse - dlogits[row + target];
    for (let j = 0; j < V; j++) dlogits[row + j] = Math.exp(dlogits[row + j] - lse) / count;
    dlogits[row + target] -= 1 / count;
  }

  backend.matmul(fwd.residFinal, dlogits, D, N, V, { transA: true, out: grads.W_U });
  columnSums(dlogits, N, V, grads.b_U);
  const dResid = backend.matmul(dlogits, p.W_U, N, V, D, { transB: true });

  grads.W_pos.fill(0);
  const dScores = new Float32Array(H * T * T);
  const dScoresT = new Float32Array(H * T * T);
  const patT = new Float32Array(H * T * T);
  for (let l = cfg.n_layers - 1; l >= 0; l--) {
    const lp = p.layers[l];
    const g = grads.layers[l];
    const act = fwd.layers[l];
    // attn_out = z · W_O + b_O; the residual passes dResid straight through.
    columnSums(dResid, N, D, g.b_O);
    backend.matmul(act.z, dResid, HE, N, D, { transA: true, out: g.W_O });
    const dz = backend.matmul(dResid, lp.W_O, N, D, HE, { transB: true });

    const dq = new Float32Array(N * HE);
    const dk = new Float32Array(N * HE);
    const dv = new Float32Array(N * HE);
    for (let b = 0; b < batch; b++) {
      const r0 = b * T * HE;
      const r1 = r0 + T * HE;
      const pat = act.pattern.subarray(b * H * T * T, (b + 1) * H * T * T);
      // dPattern[h,i,j] = dz[i,h]·v[j,h] for j ≤ i.
      backend.attnScores(dz.subarray(r0, r1), act.v.subarray(r0, r1), T, T, H, E, 1, 0, dScores);
      softmaxBackward(pat, dScores, H, T, cfg.attn_scale);
      transposeHeads(dScores, H, T, dScoresT);
      transposeHeads(pat, H, T, patT);
      backend.patternValue(dScores, act.k.subarray(r0, r1), T, T, H, E, dq.subarray(r0, r1));
      backend.patternValue(dScoresT, act.q.subarray(r0, r1), T, T, H, E, dk.subarray(r0, r1));
      backend.patternValue(patT, dz.subarray(r0, r1), T, T, H, E, dv.subarray(r0, r1));
    }
    backend.matmul(act.qkIn, dq, D, N, HE, { transA: true, out: g.W_Q });
    backend.matmul(act.qkIn, dk, D, N, HE, { transA: true, out: g.W_K });
    backend.matmul(act.resid, dv, D, N, HE, { transA: true, out: g.W_V });
    columnSums(dq, N, HE, g.b_Q);
    columnSums(dk, N, HE, g.b_K);
    columnSums(dv, N, HE, g.b_V);

    // Gradient into the residual stream: through the skip, values, and queries/keys.
    const dQkIn = backend.matmul(dq, lp.W_Q, N, HE, D, { transB: true });
    backend.matmul(dk, lp.W_K, N, HE, D, { transB: true, accumulate: true, out: dQkIn });
    backend.matmul(dv, lp.W_V, N, HE, D, { transB: true, accumulate: true, out: dResid });
    for (let i = 0; i < dResid.length; i++) dResid[i] += dQkIn[i];
    // Shortformer: W_pos enters every layer's queries and keys.
    if (shortformer) addPositionGrad(dQkIn, batch, T, D, grads.W_pos);
  }

  grads.W_E.fill(0);
  for (let n = 0; n < N; n++) {
    const o = tokens[n] * D;
    for (let d = 0; d < D; d++) grads.W_E[o + d] += dResid[n * D + d];
  }
  if (!shortformer) addPositionGrad(dResid, batch, T, D, grads.W_pos);
  return { loss: lossSum / count, forward: fwd };
}

/** dScores = P ⊙ (dP − Σ_j P·dP) / scale, in place over dP ([H, T, T], causal). */
function softmaxBackward(pat: Float32Array, dp: Float32Array, H: number, T: number, scale: number): void {
  for (let r = 0; r < H * T; r++) {
    const i = r % T;
    const o = r * T;
    let dot = 0;
    for (let j = 0; j <= i; j++) dot += pat[o + j] * dp[o + j];
    for (let j = 0; j <= i; j++) dp[o + j] = (pat[o + j] * (dp[o + j] - dot)) / scale;
    for (let j = i + 1; j < T; j++) dp[o + j] = 0;
  }
}

function transposeHeads(x: Float32Array, H: number, T: number, out: Float32Array): void {
  for (let h = 0; h < H; h++) {
    const o = h * T * T;
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) out[o + j * T + i] = x[o + i * T + j];
  }
}

function columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += x[o + c];
  }
  for (let c = 0; c < cols; c++) out[c] = acc[c];
}

function addPositionGrad(d: Float32Array, batch: number, T: number, D: number, out: Float32Array): void {
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const src = (b * T + t) * D;
      const dst = t * D;
      for (let e = 0; e < D; e++) out[dst + e] += d[src + e];
    }
  }
}
