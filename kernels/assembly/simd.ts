// Small f32x4 helpers shared by every kernel. `madd` compiles to f32x4.relaxed_madd in the relaxed-SIMD
// build (one fused instruction where the CPU has FMA) and to mul + add in the plain-SIMD build.

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * exp(x) on four lanes (Cephes expf: range reduction by ln 2, degree-6 polynomial), ~2 ulp. Inputs are
 * clamped below at ln(FLT_MIN), where the result is masked to 0 anyway: clamped at Cephes's -88.38, inputs in
 * [-88.38, -87.34) (0.4 % of a real layer-0 head's softmax inputs) made y · 2⁻¹²⁶ a subnormal before the mask.
 */
@inline export function exp4(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(88.3762626647949)), f32x4.splat(EXP_FLUSH_BELOW));
  const fx = f32x4.floor(madd(xc, f32x4.splat(1.44269504088896341), f32x4.splat(0.5)));
  let r = f32x4.sub(xc, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = madd(y, r, f32x4.splat(1.3981999507e-3));
  y = madd(y, r, f32x4.splat(8.3334519073e-3));
  y = madd(y, r, f32x4.splat(4.1665795894e-2));
  y = madd(y, r, f32x4.splat(1.6666665459e-1));
  y = madd(y, r, f32x4.splat(5.0000001201e-1));
  y = madd(y, f32x4.mul(r, r), f32x4.add(r, f32x4.splat(1.0)));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  const res = f32x4.mul(y, pow2n);
  // Below -87.3 the true value is subnormal or 0: return exactly 0 (also for -Infinity); NaN stays NaN.
  return v128.andnot(res, f32x4.le(x, f32x4.splat(EXP_FLUSH_BELOW)));
}

/** ln(FLT_MIN): exp4 returns exactly 0 at and below it, and never computes a subnormal. */
const EXP_FLUSH_BELOW: f32 = -87.33654475;

@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
