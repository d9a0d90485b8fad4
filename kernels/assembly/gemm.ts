import { madd } from "./simd";

// General f32 matrix product over strided operands (all strides in elements, pointers in bytes):
//   C[i, j] (+)= Σ_p A(i, p) · B(p, j) (+ bias[j])
//   A(i, p) = a[i·aRs + p·aKs]   (row-major A: aRs = lda, aKs = 1; Aᵀ stored as [k, m]: aRs = 1, aKs = m)
//   B(p, j) = b[p·bRs + j·bCs]   (row-major B: bRs = ldb, bCs = 1; Bᵀ stored as [n, k]: bRs = 1, bCs = ldb)
//   C(i, j) = c[i·ldc + j]
// Columns are processed in panels of 8: the panel B[:, j0:j0+8] is packed once into `pack` (k × 8,
// contiguous, zero-padded) and then swept by every 4-row block of A, so the inner loop reads two
// aligned vectors of B and four broadcast scalars of A per step and keeps 8 accumulators in registers.

export const FLAG_ACCUMULATE: u32 = 1;
/** Causal column limit: row i only needs columns j ≤ causalOffset + i (attention scores). */
export const FLAG_CAUSAL: u32 = 2;

export function gemm(
  a: usize, aRs: i32, aKs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32,
  m: i32, k: i32, n: i32,
  bias: usize, flags: u32, causalOffset: i32, pack: usize,
): void {
  const accumulate = (flags & FLAG_ACCUMULATE) != 0;
  const causal = (flags & FLAG_CAUSAL) != 0;
  if (m < 4 && bCs == 1 && !causal) {
    // One to three rows (appending a token): packing B would cost as much as the product. Stream B's rows
    // once instead, accumulating a block of C's row in the packing scratch.
    for (let i = 0; i < m; i++) rowTimesMatrix(a, aRs, aKs, i, b, bRs, c, ldc, k, n, bias, accumulate, pack);
    return;
  }
  // Columns go in groups of up to SUB panels: the whole group is packed in one pass over B's rows (one
  // contiguous 256-byte read per row instead of 32, far fewer TLB misses on a wide B such as W_U).
  const panelBytes = <usize>k << 5;
  for (let g0 = 0; g0 < n; g0 += SUB * 8) {
    const gw = min(SUB * 8, n - g0);
    packGroup(b, bRs, bCs, k, g0, gw, pack, panelBytes);
    for (let s = 0; s * 8 < gw; s++) {
      const j0 = g0 + s * 8;
      const w = min(8, n - j0);
      const panel = pack + <usize>s * panelBytes;
      // With the causal limit, rows before `iStart` need none of these columns.
      let iStart = 0;
      if (causal) {
        iStart = max(0, j0 - causalOffset);
        iStart &= ~3;
        if (iStart >= m) continue;
      }
      let i = iStart;
      rowBlocks(a, aRs, aKs, i, m, k, panel, c, ldc, j0, w, bias, accumulate);
    }
  }
}

/**
 * Writes B (k × n, row-major with row stride ldb) in the packed-panel layout gemmPacked reads: panel s holds
 * columns [8s, 8s + 8) as rows of 8 floats (zero-padded past n), panels `panelBytes` apart. A matrix can be
 * packed a block of rows at a time: rows [p0, p1) of a kTotal-row matrix go to out + p0·32 with
 * panelBytes = kTotal·32.
 */
export function packWeights(b: usize, ldb: i32, k: i32, n: i32, out: usize, panelBytes: i32): void {
  for (let s = 0; s * 8 < n; s++) {
    packPanel(b, ldb, 1, k, s * 8, min(8, n - s * 8), out + <usize>s * <usize>panelBytes);
  }
}

/** Bytes packWeights writes for a k × n matrix. */
export function packedWeightBytes(k: i32, n: i32): i32 {
  return ((n + 7) >> 3) * (k << 5);
}

/**
 * C = A·B (+ bias) with B already packed by packWeights: no per-call packing, the panels stream straight
 * from the weights. `bp` points at row k0 of the packed matrix (base + k0·32 bytes) and `panelBytes` is the
 * distance between its panels (kTotal·32), so a block of rows (one head's slice of W_O) is a product too.
 * Columns [j0, j1) of C are computed (j0 a multiple of 8); n is the matrix's column count, for the ragged
 * last panel. c points at C's column 0.
 */
export function gemmPacked(a: usize, lda: i32, bp: usize, panelBytes: i32, c: usize, ldc: i32, m: i32, k: i32,
  n: i32, j0: i32, j1: i32, bias: usize, flags: u32): void {
  const accumulate = (flags & FLAG_ACCUMULATE) != 0;
  for (let jj = j0; jj < j1; jj += 8) {
    const w = min(8, n - jj);
    const panel = bp + <usize>(jj >> 3) * <usize>panelBytes;
    rowBlocks(a, lda, 1, 0, m, k, panel, c, ldc, jj, w, bias, accumulate);
  }
}

/** Panels per packed group. */
export const SUB: i32 = 8;

@inline function packGroup(b: usize, bRs: i32, bCs: i32, k: i32, g0: i32, gw: i32, pack: usize, panelBytes: usize): void {
  if (bCs == 1 && gw == SUB * 8) {
    let src = b + (<usize>g0 << 2);
    const step = <usize>bRs << 2;
    let dst = pack;
    for (let p = 0; p < k; p++) {
      for (let s = 0; s < SUB; s++) {
        const d = dst + <usize>s * panelBytes;
        v128.store(d, v128.load(src + (<usize>s << 5)));
        v128.store(d, v128.load(src + (<usize>s << 5), 16), 16);
      }
      src += step;
      dst += 32;
    }
    return;
  }
  for (let s = 0; s * 8 < gw; s++) {
    packPanel(b, bRs, bCs, k, g0 + s * 8, min(8, gw - s * 8), pack + <usize>s * panelBytes);
  }
}

@inline function packPanel(b: usize, bRs: i32, bCs: i32, k: i32, j0: i32, w: i32, pack: usize): void {
  if (bCs == 1 && w == 8) {
    let src = b + (<usize>j0 << 2);
    const step = <usize>bRs << 2;
    let dst = pack;
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += step;
      dst += 32;
    }
    return;
  }
  for (let p = 0; p < k; p++) {
    const dst = pack + (<usize>p << 5);
    v128.store(dst, f32x4.splat(0));
    v128.store(dst, f32x4.splat(0), 16);
    const rowBase = b + (<usize>(p * bRs) << 2);
    for (let jj = 0; jj < w; jj++) {
      store<f32>(dst + (<usize>jj << 2), load<f32>(rowBase + (<usize>((j0 + jj) * bCs) << 2)));
    }
  }
}

@inline function storeRow(c: usize, ldc: i32, i: i32, j0: i32, w: i32, lo: v128, hi: v128,
  bias: usize, accumulate: bool): void {
  const dst = c + (<usize>(i * ldc + j0) << 2);
  if (w == 8) {
    if (bias != 0) {
      const bp = bias + (<usize>j0 << 2);
      lo = f32x4.add(lo, v128.load(bp));
      hi = f32x4.add(hi, v128.load(bp, 16));
    }
    if (accumulate) {
      lo = f32x4.add(lo, v128.load(dst));
      hi = f32x4.add(hi, v128.load(dst, 16));
    }
    v128.store(dst, lo);
    v128.store(dst, hi, 16);
    return;
  }
  // Ragged last panel: spill to scalars.
  for (let jj = 0; jj < w; jj++) {
    let v: f32 = jj < 4 ? laneOf(lo, jj) : laneOf(hi, jj - 4);
    if (bias != 0) v += load<f32>(bias + (<usize>(j0 + jj) << 2));
    const p = dst + (<usize>jj << 2);
    if (accumulate) v += load<f32>(p);
    store<f32>(p, v);
  }
}

@inline function laneOf(v: v128, l: i32): f32 {
  if (l == 0) return f32x4.extract_lane(v, 0);
  if (l == 1) return f32x4.extract_lane(v, 1);
  if (l == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/**
 * Rows [i, m) of C against one packed panel: blocks of four rows, then the 2–3 leftover rows as one
 * padded block (missing rows re-read the last real one and are not stored) and a single leftover row on
 * its own, which is twice as fast as a padded block.
 */
@inline function rowBlocks(a: usize, aRs: i32, aKs: i32, i: i32, m: i32, k: i32, panel: usize,
  c: usize, ldc: i32, j0: i32, w: i32, bias: usize, accumulate: bool): void {
  for (; i + 4 <= m; i += 4) block4x8(a, aRs, aKs, i, 4, k, panel, c, ldc, j0, w, bias, accumulate);
  const left = m - i;
  if (left >= 2) block4x8(a, aRs, aKs, i, left, k, panel, c, ldc, j0, w, bias, accumulate);
  else if (left == 1) block1x8(a, aRs, aKs, i, k, panel, c, ldc, j0, w, bias, accumulate);
}

@inline function block4x8(a: usize, aRs: i32, aKs: i32, i: i32, rows: i32, k: i32, pack: usize,
  c: usize, ldc: i32, j0: i32, w: i32, bias: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const aStep = <usize>aKs << 2;
  const rStep = <usize>aRs << 2;
  let a0 = a + (<usize>(i * aRs) << 2);
  let a1 = rows > 1 ? a0 + rStep : a0;
  let a2 = rows > 2 ? a1 + rStep : a1;
  let a3 = rows > 3 ? a2 + rStep : a2;
  let bp = pack;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a0 += aStep; a1 += aStep; a2 += aStep; a3 += aStep;
    bp += 32;
  }
  storeRow(c, ldc, i, j0, w, c00, c01, bias, accumulate);
  if (rows > 1) storeRow(c, ldc, i + 1, j0, w, c10, c11, bias, accumulate);
  if (rows > 2) storeRow(c, ldc, i + 2, j0, w, c20, c21, bias, accumulate);
  if (rows > 3) storeRow(c, ldc, i + 3, j0, w, c30, c31, bias, accumulate);
}

@inline function block1x8(a: usize, aRs: i32, aKs: i32, i: i32, k: i32, pack: usize,
  c: usize, ldc: i32, j0: i32, w: i32, bias: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let d0 = f32x4.splat(0), d1 = f32x4.splat(0);
  const aStep = <usize>aKs << 2;
  let a0 = a + (<usize>(i * aRs) << 2);
  let bp = pack;
  let p = 0;
  // Two interleaved accumulator pairs hide the add latency on the single row.
  for (; p + 2 <= k; p += 2) {
    const x = v128.load32_splat(a0);
    const y = v128.load32_splat(a0 + aStep);
    c0 = madd(x, v128.load(bp), c0); c1 = madd(x, v128.load(bp, 16), c1);
    d0 = madd(y, v128.load(bp, 32), d0); d1 = madd(y, v128.load(bp, 48), d1);
    a0 += aStep << 1;
    bp += 64;
  }
  if (p < k) {
    const x = v128.load32_splat(a0);
    c0 = madd(x, v128.load(bp), c0); c1 = madd(x, v128.load(bp, 16), c1);
  }
  storeRow(c, ldc, i, j0, w, f32x4.add(c0, d0), f32x4.add(c1, d1), bias, accumulate);
}


/** Columns of C accumulated at once by rowTimesMatrix (16 KiB, stays in L1). */
const ROW_BLOCK: i32 = 4096;

function rowTimesMatrix(a: usize, aRs: i32, aKs: i32, i: i32, b: usize, bRs: i32, c: usize, ldc: i32,
  k: i32, n: i32, bias: usize, accumulate: bool, acc: usize): void {
  const aRow = a + (<usize>(i * aRs) << 2);
  const cRow = c + (<usize>(i * ldc) << 2);
  for (let j0 = 0; j0 < n; j0 += ROW_BLOCK) {
    const w = min(ROW_BLOCK, n - j0);
    const w4 = w & ~3;
    memory.fill(acc, 0, <usize>w << 2);
    for (let p = 0; p < k; p++) {
      const x = v128.load32_splat(aRow + (<usize>(p * aKs) << 2));
      const bRow = b + (<usize>(p * bRs + j0) << 2);
      let j = 0;
      for (; j + 8 <= w4; j += 8) {
        const o = <usize>j << 2;
        v128.store(acc + o, madd(x, v128.load(bRow + o), v128.load(acc + o)));
        v128.store(acc + o, madd(x, v128.load(bRow + o, 16), v128.load(acc + o, 16)), 16);
      }
      for (; j < w4; j += 4) {
        const o = <usize>j << 2;
        v128.store(acc + o, madd(x, v128.load(bRow + o), v128.load(acc + o)));
      }
      const xs = load<f32>(aRow + (<usize>(p * aKs) << 2));
      for (; j < w; j++) {
        const o = <usize>j << 2;
        store<f32>(acc + o, load<f32>(acc + o) + xs * load<f32>(bRow + o));
      }
    }
    for (let j = 0; j < w; j++) {
      let v = load<f32>(acc + (<usize>j << 2));
      if (bias != 0) v += load<f32>(bias + (<usize>(j0 + j) << 2));
      const dst = cRow + (<usize>(j0 + j) << 2);
      if (accumulate) v += load<f32>(dst);
      store<f32>(dst, v);
    }
  }
}
