/**
 * Float64 references for the circuits tests: how one summand x [D] of the final residual stream reaches the logit
 * of token y through ln_final with its scale fixed (TransformerLens's apply_ln_to_stack, with ln_final.w).
 */

/** ((x − mean x) / scale ⊙ w) · W_U[:, y], x = values[o .. o + D), W_U [D, V] row-major; w null for LNPre. */
export function throughLnFinal(
  values: ArrayLike<number>,
  o: number,
  D: number,
  scale: number,
  w: ArrayLike<number> | null,
  W_U: ArrayLike<number>,
  V: number,
  y: number,
): number {
  let mean = 0;
  for (let d = 0; d < D; d++) mean += values[o + d] / D;
  let s = 0;
  for (let d = 0; d < D; d++) s += ((values[o + d] - mean) / scale) * (w ? w[d] : 1) * W_U[d * V + y];
  return s;
}
