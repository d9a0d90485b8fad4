// LayerNorm over the last axis (TransformerLens LayerNorm with w and b, LayerNormPre without), row by row.
//
// Dimensions: R = rows (positions), D = features (d_model).

/**
 * x [R, D] → out [R, D], scaleOut [R]: centered = x − mean, scale = sqrt(mean(centered²) + eps),
 * out = centered / scale (· w + b when w is not 0). x and out may alias.
 */
export function layerNorm(x: usize, out: usize, scaleOut: usize, w: usize, b: usize, rows: i32, d: i32,
  eps: f32): void {
  const inv = 1.0 / <f64>d;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * d) << 2);
    const orow = out + (<usize>(r * d) << 2);
    // Sums in float64 lanes, and the mean split into a float32 pair (hi + lo), so centering a row far from 0
    // (all values near 1000, say) keeps the digits a float32 mean would lose.
    let s0 = f64x2.splat(0),
      s1 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const v = v128.load(xr + (<usize>j << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    let sum = hsum2(f64x2.add(s0, s1));
    for (; j < d; j++) sum += <f64>load<f32>(xr + (<usize>j << 2));
    const mean = sum * inv;
    const hi = <f32>mean;
    const lo = <f32>(mean - <f64>hi);
    const h4 = f32x4.splat(hi),
      l4 = f32x4.splat(lo);
    let q0 = f64x2.splat(0),
      q1 = f64x2.splat(0);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      const c = f32x4.sub(f32x4.sub(v128.load(xr + (<usize>j << 2)), h4), l4);
      v128.store(orow + (<usize>j << 2), c);
      const c2 = f32x4.mul(c, c);
      q0 = f64x2.add(q0, f64x2.promote_low_f32x4(c2));
      q1 = f64x2.add(q1, f64x2.promote_low_f32x4(i32x4.shuffle(c2, c2, 2, 3, 0, 1)));
    }
    let sq = hsum2(f64x2.add(q0, q1));
    for (; j < d; j++) {
      const c = load<f32>(xr + (<usize>j << 2)) - hi - lo;
      store<f32>(orow + (<usize>j << 2), c);
      sq += <f64>(c * c);
    }
    // Rounded as TransformerLens rounds it in float32: (mean(c²) + eps).sqrt(), then a division.
    const s = sqrt<f32>(<f32>(sq * inv) + eps);
    store<f32>(scaleOut + (<usize>r << 2), s);
    const s4 = f32x4.splat(s);
    j = 0;
    if (w != 0) {
      for (; j + 4 <= d; j += 4) {
        const o = <usize>j << 2;
        const n = f32x4.div(v128.load(orow + o), s4);
        v128.store(orow + o, f32x4.add(f32x4.mul(n, v128.load(w + o)), v128.load(b + o)));
      }
      for (; j < d; j++) {
        const o = <usize>j << 2;
        store<f32>(orow + o, (load<f32>(orow + o) / s) * load<f32>(w + o) + load<f32>(b + o));
      }
    } else {
      for (; j + 4 <= d; j += 4) {
        const o = <usize>j << 2;
        v128.store(orow + o, f32x4.div(v128.load(orow + o), s4));
      }
      for (; j < d; j++) {
        const o = <usize>j << 2;
        store<f32>(orow + o, load<f32>(orow + o) / s);
      }
    }
  }
}

@inline function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}
