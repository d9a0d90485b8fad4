// Element-wise MLP activations (TransformerLens act_fn), four lanes at a time.
//
// Dimensions: N = elements (positions × d_mlp).
import { exp4, madd } from "./simd";

// Indices, in the order of core's ACTIVATION_FNS.
export const ACT_GELU: i32 = 0;
export const ACT_GELU_NEW: i32 = 1;
export const ACT_GELU_FAST: i32 = 2;
export const ACT_RELU: i32 = 3;
export const ACT_SILU: i32 = 4;

/** out[i] = fn(x[i]) for n floats; x and out may alias. */
export function activation(x: usize, out: usize, n: i32, fn: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, act4(v128.load(x + o), fn));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(act4(f32x4.splat(load<f32>(x + o)), fn), 0));
  }
}

@inline function act4(v: v128, fn: i32): v128 {
  if (fn == ACT_GELU) return geluErf4(v);
  if (fn == ACT_GELU_NEW) {
    // ½v(1 + tanh(u)) = v·σ(2u), u = √(2/π)(v + 0.044715v³): one exponential, no cancellation near 0.
    const v3 = f32x4.mul(f32x4.mul(v, v), v);
    const u = f32x4.mul(f32x4.splat(0.7978845608028654), madd(v3, f32x4.splat(0.044715), v));
    return timesSigmoid(v, f32x4.add(u, u));
  }
  if (fn == ACT_GELU_FAST) {
    const u = f32x4.mul(f32x4.mul(v, f32x4.splat(0.7978845608)), madd(f32x4.mul(v, v), f32x4.splat(0.044715),
      f32x4.splat(1)));
    return timesSigmoid(v, f32x4.add(u, u));
  }
  if (fn == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  return timesSigmoid(v, v);
}

/** v · σ(u) = v / (1 + e^{−u}); for u far below 0 the exponential saturates and the result goes to ±0. */
@inline function timesSigmoid(v: v128, u: v128): v128 {
  return f32x4.div(v, f32x4.add(f32x4.splat(1), exp4(f32x4.neg(u))));
}

/**
 * The exact GELU v·Φ(v) = ½v·erfc(−v/√2), with erfc from Numerical Recipes' Chebyshev fit (relative error
 * below 1.2e-7 everywhere): erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2), z ≥ 0; erfc(−z) = 2 − erfc(z).
 */
@inline function geluErf4(v: v128): v128 {
  const z = f32x4.mul(f32x4.abs(v), f32x4.splat(0.7071067811865476));
  const t = f32x4.div(f32x4.splat(1), madd(z, f32x4.splat(0.5), f32x4.splat(1)));
  let p = f32x4.splat(0.17087277);
  p = madd(p, t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  p = madd(p, t, f32x4.splat(-1.26551223));
  const e = f32x4.mul(t, exp4(f32x4.sub(p, f32x4.mul(z, z))));
  // v ≥ 0: erfc(−z) = 2 − erfc(z); v < 0 (and NaN): erfc(z).
  const factor = v128.bitselect(f32x4.sub(f32x4.splat(2), e), e, f32x4.ge(v, f32x4.splat(0)));
  return f32x4.mul(f32x4.mul(v, f32x4.splat(0.5)), factor);
}
