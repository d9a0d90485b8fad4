// Entry point of the kernels module. Every export works on raw byte pointers into the (imported) memory;
// the host lays out operands and scratch. Head/row/column ranges let several threads share one call.
import { gemm, gemmPacked, FLAG_CAUSAL, SUB } from "./gemm";
import { exp4, hmax, hsum, madd } from "./simd";

export { gemm, gemmPacked, packWeights, packedWeightBytes } from "./gemm";
export { layerNorm } from "./norm";
export { activation } from "./activations";

/** Bytes of packing scratch a thread needs for a product with inner dimension k. */
export function packBytes(k: i32): i32 {
  // At least 16 KiB: gemm's few-row path accumulates a 4096-column block of C here.
  return max((k << 5) * SUB, 16384);
}

/** dst[i] += src[i] for n floats (positional embeddings added to the rows that feed queries and keys). */
export function addInPlace(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * Attention scores for heads [h0, h1). q: [tq, H, dHead], k: [tk, H, dHead]; out points at head h0's
 * [tq, tk] block. out[h, i, j] = q[i,h]·k[j,h] / scale for j ≤ tk - tq + i, else maskValue.
 */
export function attnScores(q: usize, k: usize, out: usize, tq: i32, tk: i32, nHeads: i32, dHead: i32,
  scale: f32, maskValue: f32, h0: i32, h1: i32, pack: usize): void {
  const hd = nHeads * dHead;
  const offset = tk - tq;
  for (let h = h0; h < h1; h++) {
    const o = out + (<usize>((h - h0) * tq * tk) << 2);
    gemm(q + (<usize>(h * dHead) << 2), hd, 1, k + (<usize>(h * dHead) << 2), 1, hd, o, tk,
      tq, dHead, tk, 0, FLAG_CAUSAL, offset, pack);
    scaleMaskRows(o, tq, tk, scale, maskValue);
  }
}

function scaleMaskRows(o: usize, tq: i32, tk: i32, scale: f32, maskValue: f32): void {
  const offset = tk - tq;
  const s4 = f32x4.splat(scale);
  for (let i = 0; i < tq; i++) {
    const row = o + (<usize>(i * tk) << 2);
    const len = min(tk, offset + i + 1);
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.div(v128.load(p), s4));
    }
    for (; j < len; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) / scale);
    }
    for (; j < tk; j++) store<f32>(row + (<usize>j << 2), maskValue);
  }
}

/**
 * Causal row softmax over `rows` rows of length tk starting at global row `rowStart` of an [H, tq, tk]
 * tensor (row r is query r % tq at absolute position tk - tq + r % tq). src and dst may alias.
 */
export function causalSoftmax(src: usize, dst: usize, rowStart: i32, rows: i32, tq: i32, tk: i32): void {
  const offset = tk - tq;
  for (let r = 0; r < rows; r++) {
    const i = (rowStart + r) % tq;
    const len = offset + i + 1;
    softmaxRow(src + (<usize>(r * tk) << 2), dst + (<usize>(r * tk) << 2), len, tk);
  }
}

@inline function softmaxRow(s: usize, d: usize, len: i32, tk: i32): void {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= len; j += 4) mv = f32x4.max(mv, v128.load(s + (<usize>j << 2)));
  let mx = hmax(mv);
  for (; j < len; j++) mx = max(mx, load<f32>(s + (<usize>j << 2)));
  // A row of -Infinity only (fully masked by a hook) gives NaN, like the reference.
  const m4 = f32x4.splat(mx);
  let sv = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= len; j += 4) {
    const e = exp4(f32x4.sub(v128.load(s + (<usize>j << 2)), m4));
    v128.store(d + (<usize>j << 2), e);
    sv = f32x4.add(sv, e);
  }
  let sum = <f64>hsum(sv);
  for (; j < len; j++) {
    const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(s + (<usize>j << 2)) - mx)), 0);
    store<f32>(d + (<usize>j << 2), e);
    sum += e;
  }
  const inv = f32x4.splat(<f32>(1.0 / sum));
  j = 0;
  for (; j + 4 <= len; j += 4) {
    const p = d + (<usize>j << 2);
    v128.store(p, f32x4.mul(v128.load(p), inv));
  }
  const invs = <f32>(1.0 / sum);
  for (; j < len; j++) {
    const p = d + (<usize>j << 2);
    store<f32>(p, load<f32>(p) * invs);
  }
  for (; j < tk; j++) store<f32>(d + (<usize>j << 2), 0);
}

/** Query rows attnPattern scores and normalises together (packing of K is amortised over a band). */
const ATTN_BAND: i32 = 64;

/** Scratch bytes attnPattern needs per thread: a packing area plus K of one head transposed. */
export function attnScratchBytes(tk: i32, dHead: i32): i32 {
  return packBytes(dHead) + ((tk * dHead * 4 + 63) & ~63);
}

/**
 * Fused scores → causal softmax for heads [h0, h1): the pattern, never the raw scores. out points at
 * head h0's [tq, tk] block. K of the head is transposed once into scratch ([dHead, tk], so every band packs
 * it with vector copies); each 64-row band is then normalised right after it is computed, while in cache.
 */
export function attnPattern(q: usize, k: usize, out: usize, tq: i32, tk: i32, nHeads: i32, dHead: i32,
  scale: f32, h0: i32, h1: i32, scratch: usize): void {
  const hd = nHeads * dHead;
  const offset = tk - tq;
  const inv = <f32>(1.0 / <f64>scale);
  const pack = scratch;
  const kT = scratch + <usize>packBytes(dHead);
  for (let h = h0; h < h1; h++) {
    const o = out + (<usize>((h - h0) * tq * tk) << 2);
    const qh = q + (<usize>(h * dHead) << 2);
    for (let j = 0; j < tk; j++) {
      const src = k + (<usize>(j * hd + h * dHead) << 2);
      for (let d = 0; d < dHead; d++) store<f32>(kT + (<usize>(d * tk + j) << 2), load<f32>(src + (<usize>d << 2)));
    }
    for (let i0 = 0; i0 < tq; i0 += ATTN_BAND) {
      const rows = min(ATTN_BAND, tq - i0);
      const ncols = min(tk, offset + i0 + rows);
      const band = o + (<usize>(i0 * tk) << 2);
      gemm(qh + (<usize>(i0 * hd) << 2), hd, 1, kT, tk, 1, band, tk,
        rows, dHead, ncols, 0, FLAG_CAUSAL, offset + i0, pack);
      for (let r = 0; r < rows; r++) {
        const row = band + (<usize>(r * tk) << 2);
        const len = offset + i0 + r + 1;
        scaleRow(row, len, inv);
        softmaxRow(row, row, len, tk);
      }
    }
  }
}

@inline function scaleRow(row: usize, len: i32, inv: f32): void {
  const s4 = f32x4.splat(inv);
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const p = row + (<usize>j << 2);
    v128.store(p, f32x4.mul(v128.load(p), s4));
  }
  for (; j < len; j++) {
    const p = row + (<usize>j << 2);
    store<f32>(p, load<f32>(p) * inv);
  }
}

/**
 * z[i, h, :] = Σ_j pattern[h, i, j] · v[j, h, :] for heads [h0, h1); pattern points at head h0's block.
 */
export function patternValue(pattern: usize, v: usize, z: usize, tq: i32, tk: i32, nHeads: i32, dHead: i32,
  h0: i32, h1: i32, pack: usize): void {
  const hd = nHeads * dHead;
  for (let h = h0; h < h1; h++) {
    gemm(pattern + (<usize>((h - h0) * tq * tk) << 2), tk, 1, v + (<usize>(h * dHead) << 2), hd, 1,
      z + (<usize>(h * dHead) << 2), hd, tq, tk, dHead, 0, 0, 0, pack);
  }
}

/**
 * result[i, h, :] = z[i, h, :] · W_O[h] for heads [h0, h1). z: [t, H, dHead], W_O: [H, dHead, dModel],
 * row-major, or packed by packWeights as a [H·dHead, dModel] matrix when wOPacked is set.
 */
export function headResults(z: usize, wO: usize, out: usize, t: i32, nHeads: i32, dHead: i32, dModel: i32,
  h0: i32, h1: i32, pack: usize, wOPacked: bool): void {
  const panelBytes = (nHeads * dHead) << 5;
  for (let h = h0; h < h1; h++) {
    const zh = z + (<usize>(h * dHead) << 2);
    const oh = out + (<usize>(h * dModel) << 2);
    if (wOPacked) {
      gemmPacked(zh, nHeads * dHead, wO + (<usize>(h * dHead) << 5), panelBytes, oh, nHeads * dModel,
        t, dHead, dModel, 0, dModel, 0, 0);
    } else {
      gemm(zh, nHeads * dHead, 1, wO + (<usize>(h * dHead * dModel) << 2), dModel, 1,
        oh, nHeads * dModel, t, dHead, dModel, 0, 0, 0, pack);
    }
  }
}

export const UNEMBED_ROWS: i32 = 64;
export const UNEMBED_COLS: i32 = 512;

/** Scratch bytes unembedStats needs per thread (packing panel + one logits tile). */
export function unembedScratchBytes(dModel: i32): i32 {
  return packBytes(dModel) + UNEMBED_ROWS * UNEMBED_COLS * 4;
}

/**
 * Running log-sum-exp statistics of the logits x · W_U + b_U over vocabulary columns [v0, v1), tile by
 * tile, never holding more than UNEMBED_ROWS × UNEMBED_COLS logits. Per row t it leaves the running max in
 * maxOut[t] (f32), Σ exp(logit - max) in sumOut[t] (f64) and, when targets[t] falls in [v0, v1), the target
 * logit in tgtOut[t]. x: [t, dModel], W_U: [dModel, vocab], targets: i32[t] (-1 = none).
 */
export function unembedStats(x: usize, wU: usize, bU: usize, t: i32, dModel: i32, vocab: i32, v0: i32, v1: i32,
  targets: usize, maxOut: usize, sumOut: usize, tgtOut: usize, scratch: usize, wUPacked: bool): void {
  const pack = scratch;
  const tile = scratch + <usize>packBytes(dModel);
  for (let r = 0; r < t; r++) {
    store<f32>(maxOut + (<usize>r << 2), -Infinity);
    store<f64>(sumOut + (<usize>r << 3), 0);
  }
  // Vocabulary tiles outside, row chunks inside: each W_U tile is read from memory once and then reused
  // from cache by every row chunk.
  for (let c0 = v0; c0 < v1; c0 += UNEMBED_COLS) {
    const cols = min(UNEMBED_COLS, v1 - c0);
    for (let r0 = 0; r0 < t; r0 += UNEMBED_ROWS) {
      const rows = min(UNEMBED_ROWS, t - r0);
      const xr = x + (<usize>(r0 * dModel) << 2);
      if (wUPacked) {
        // The tile's column 0 is vocabulary column c0: shift C and the bias back so panel indices stay global.
        gemmPacked(xr, dModel, wU, dModel << 5, tile - (<usize>c0 << 2), UNEMBED_COLS, rows, dModel, vocab,
          c0, c0 + cols, bU, 0);
      } else {
        gemm(xr, dModel, 1, wU + (<usize>c0 << 2), vocab, 1, tile, UNEMBED_COLS,
          rows, dModel, cols, bU + (<usize>c0 << 2), 0, 0, pack);
      }
      for (let r = 0; r < rows; r++) {
        const row = tile + (<usize>(r * UNEMBED_COLS) << 2);
        const gr = r0 + r;
        const tg = load<i32>(targets + (<usize>gr << 2));
        if (tg >= c0 && tg < c0 + cols) store<f32>(tgtOut + (<usize>gr << 2), load<f32>(row + (<usize>(tg - c0) << 2)));
        lseUpdate(row, cols, maxOut + (<usize>gr << 2), sumOut + (<usize>gr << 3));
      }
    }
  }
}

@inline function lseUpdate(row: usize, cols: i32, maxP: usize, sumP: usize): void {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= cols; j += 4) mv = f32x4.max(mv, v128.load(row + (<usize>j << 2)));
  let cmax = hmax(mv);
  for (; j < cols; j++) cmax = max(cmax, load<f32>(row + (<usize>j << 2)));
  let mx = load<f32>(maxP);
  let sum = load<f64>(sumP);
  if (cmax > mx) {
    // Online log-sum-exp: rescale the running sum to the new maximum.
    if (sum != 0) sum *= Math.exp(<f64>(mx - cmax));
    mx = cmax;
    store<f32>(maxP, mx);
  }
  const m4 = f32x4.splat(mx);
  let sv = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= cols; j += 4) sv = f32x4.add(sv, exp4(f32x4.sub(v128.load(row + (<usize>j << 2)), m4)));
  let s = <f64>hsum(sv);
  for (; j < cols; j++) s += f32x4.extract_lane(exp4(f32x4.splat(load<f32>(row + (<usize>j << 2)) - mx)), 0);
  store<f64>(sumP, sum + s);
}

// Keep the helper referenced so the relaxed/plain choice is visible in both builds' exports.
export function fmaProbe(a: f32, b: f32, c: f32): f32 {
  return f32x4.extract_lane(madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
}
