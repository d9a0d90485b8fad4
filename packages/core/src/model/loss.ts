/**
 * Next-token losses, shared by the model, the trainer and the induction experiments.
 *
 * Dimension legend: B batch, T positions, V d_vocab_out.
 */
import { Tensor } from "../tensor.js";

/** log Σ_j exp(x[off + j]) over n entries, stabilised by the maximum, in float64. */
export function logSumExp(x: Float32Array, off: number, n: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (x[off + j] > max) max = x[off + j];
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(x[off + j] - max);
  return max + Math.log(s);
}

/** −log_softmax(logits[row])[target]: the loss of one position whose logits start at `off`. */
export function tokenLoss(logits: Float32Array, off: number, V: number, target: number): number {
  return logSumExp(logits, off, V) - logits[off + target];
}

/** −log_softmax(logits[t])[tokens[t+1]], TransformerLens `lm_cross_entropy_loss(per_token=True)`: [B, T − 1]. */
export function lossFromLogits(logits: Float32Array, batch: Int32Array[], V: number): Tensor {
  const B = batch.length;
  const T = batch[0].length;
  const loss = new Float32Array(B * (T - 1));
  for (let b = 0; b < B; b++)
    for (let t = 0; t + 1 < T; t++) loss[b * (T - 1) + t] = tokenLoss(logits, (b * T + t) * V, V, batch[b][t + 1]);
  return new Tensor(loss, [B, T - 1]);
}

/** The per-token loss [B, T−1], or its mean as a 0-dim tensor (TransformerLens `lm_cross_entropy_loss`). */
export function reduceLoss(loss: Tensor | null, perToken = false): Tensor | null {
  if (loss === null || perToken) return loss;
  let s = 0;
  for (let i = 0; i < loss.data.length; i++) s += loss.data[i];
  return Tensor.scalar(s / loss.data.length);
}

/**
 * Mean loss on each copy of a repeated sequence (BOS + half + the same half): `perToken` is [B, T1] row-major
 * (T1 = T − 1 loss positions); positions < `half` predict the first copy, the rest the second.
 */
export function halfLosses(
  perToken: ArrayLike<number>,
  B: number,
  T1: number,
  half: number,
): { lossFirstHalf: number; lossSecondHalf: number } {
  let first = 0;
  let second = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T1; t++) {
      if (t < half) first += perToken[b * T1 + t];
      else second += perToken[b * T1 + t];
    }
  }
  return { lossFirstHalf: first / (B * half), lossSecondHalf: second / (B * (T1 - half)) };
}
