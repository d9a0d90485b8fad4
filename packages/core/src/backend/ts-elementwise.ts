/**
 * The reference backend's LayerNorm and MLP activations, in float64 arithmetic rounded to float32 once.
 *
 * Dimensions: R = rows (positions), D = features (d_model, or d_mlp for an activation), N = elements.
 */
import type { ActivationFn, LayerNormOptions, LayerNormResult } from "./backend.js";
import { activationIndex, checkLayerNorm, checkedOut } from "./checks.js";

/** x [R, D] → normalized [R, D], scale [R]; see Backend.layerNorm. */
export function layerNormTs(
  x: Float32Array,
  rows: number,
  d: number,
  eps: number,
  opts: LayerNormOptions = {},
): LayerNormResult {
  const { w, b } = opts;
  checkLayerNorm(x, rows, d, eps, w, b);
  const normalized = checkedOut(opts.out, rows * d, "layerNorm");
  const scale = checkedOut(opts.scaleOut, rows, "layerNorm scale");
  const centered = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let sum = 0;
    for (let j = 0; j < d; j++) sum += x[o + j];
    const mean = sum / d;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const c = x[o + j] - mean;
      centered[j] = c;
      sq += c * c;
    }
    const s = Math.sqrt(sq / d + eps);
    scale[r] = s;
    for (let j = 0; j < d; j++) normalized[o + j] = w && b ? (centered[j] / s) * w[j] + b[j] : centered[j] / s;
  }
  return { normalized, scale };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Element-wise activation; see Backend.activation. */
export function activationTs(x: Float32Array, fn: ActivationFn, out?: Float32Array): Float32Array {
  const f = ACTIVATIONS[activationIndex(fn)];
  const res = checkedOut(out, x.length, "activation");
  for (let i = 0; i < x.length; i++) res[i] = f(x[i]);
  return res;
}

/** In ACTIVATION_FNS order. */
const ACTIVATIONS: readonly ((v: number) => number)[] = [
  (v) => 0.5 * v * (v >= 0 ? 2 - erfc(v / Math.SQRT2) : erfc(-v / Math.SQRT2)),
  (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))),
  (v) => 0.5 * v * (1 + Math.tanh(v * 0.7978845608 * (1 + 0.044715 * v * v))),
  (v) => (v > 0 ? v : v === 0 || v < 0 ? 0 : v),
  (v) => v / (1 + Math.exp(-v)),
];

/**
 * erfc(z) for z ≥ 0 with relative error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit), far inside
 * float32's resolution. Computed as erfc rather than 1 − erf so GELU's far negative tail keeps its precision.
 */
export function erfc(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const p =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-z * z + p);
}
