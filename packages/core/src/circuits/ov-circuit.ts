/**
 * Full OV circuits and the accuracy of vocab × vocab circuits (ARENA `top_1_acc`, batched), computed in
 * row blocks so the real model's 50,278 × 50,278 matrix is never held.
 *
 * Dimension legend: S the token set (vocab range), D d_model, Dh d_head, R rows per block.
 *
 * full OV circuit of head (l, h) on S = W_E[S] · W_V[l, h] · W_O[l, h] · W_U[:, S]   [S, S], kept as the
 * FactoredMatrix (W_E[S] W_V [S, Dh], W_O W_U[:, S] [Dh, S]).
 */
import type { Backend } from "../backend/backend.js";
import { FactoredMatrix } from "../linalg/factored-matrix.js";
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { Tensor } from "../tensor.js";
import { parseHead, type HeadRef } from "./heads.js";
import { embedRows, resolveVocab, unembedCols, type VocabRange } from "./vocab.js";

/** Progress of a long computation: `done` of `total` units. */
export type CircuitProgress = (done: number, total: number) => void;

export interface CircuitOptions {
  /** Token ids lo ≤ id < hi (default: the whole vocabulary). */
  vocab?: VocabRange;
  /** Engine for the big products (default: the model's). */
  backend?: Backend;
}

/** The full OV circuit W_E[S] W_V W_O W_U[:, S] of one head, as a FactoredMatrix [S, S] with mdim d_head. */
export function fullOvCircuit(model: HookedTransformer, head: HeadRef, opts: CircuitOptions = {}): FactoredMatrix {
  const { layer, head: h } = parseHead(head, model.cfg);
  const v = resolveVocab(model.cfg, opts.vocab);
  const be = opts.backend ?? model.backend;
  const { d_model: D, d_head: Dh } = model.cfg;
  const W_V = model.W_V.index(layer, h).data; // [D, Dh]
  const W_O = model.W_O.index(layer, h).data; // [Dh, D]
  const left = be.matmul(embedRows(model.W_E, v), W_V, v.n, D, Dh);
  const right = be.matmul(W_O, unembedCols(model.W_U, v), Dh, D, v.n);
  return new FactoredMatrix(new Tensor(left, [v.n, Dh]), new Tensor(right, [Dh, v.n]));
}

export interface RankOptions {
  /** Engine for the rows that need a full product (default: plain TypeScript loops). */
  backend?: Backend;
  /** Stop counting a row at this many larger entries (ranks are capped there). @default the row length */
  maxK?: number;
  onProgress?: CircuitProgress;
}

/** Dot products tried per row before the row is formed in full. */
const PROBE = 256;

/**
 * For each row i of a square circuit M = AB [n, n]: how many entries of row i are strictly greater than the
 * diagonal M[i, i] (0 = the diagonal is the row's maximum), counted up to `maxK`.
 *
 * Exact, but without forming M where it can be avoided: the columns are visited in order of decreasing norm,
 * and a row is settled as soon as `maxK` entries beat its diagonal, or when Cauchy–Schwarz bounds every
 * remaining entry by ‖a_i‖·‖b_j‖ ≤ M[i, i]. The rows neither settles within a few hundred columns are formed
 * in full, a block at a time on the backend, so a vocab × vocab circuit is never held.
 */
export function diagonalRanks(fm: FactoredMatrix, opts: RankOptions = {}): Int32Array {
  if (fm.leadingShape.length) throw new RangeError("diagonalRanks takes a single matrix: index its leading axes first");
  const { ldim: n, mdim: m, rdim } = fm;
  if (n !== rdim) throw new RangeError(`top-k accuracy needs a square circuit, this one is ${n} × ${rdim}`);
  const maxK = Math.max(1, Math.min(n, opts.maxK ?? n));
  const A = fm.A.data;
  const B = fm.B.data;
  // Columns of B as rows [n, m], sorted by decreasing norm.
  const colNorm = new Float64Array(n);
  for (let p = 0; p < m; p++) for (let j = 0; j < n; j++) colNorm[j] += B[p * n + j] ** 2;
  for (let j = 0; j < n; j++) colNorm[j] = Math.sqrt(colNorm[j]);
  const order = Int32Array.from({ length: n }, (_, j) => j).sort((x, y) => colNorm[y] - colNorm[x]);
  const sorted = new Float32Array(n * m);
  const sortedNorm = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const j = order[s];
    sortedNorm[s] = colNorm[j];
    for (let p = 0; p < m; p++) sorted[s * m + p] = B[p * n + j];
  }
  const ranks = new Int32Array(n);
  const hard: number[] = [];
  const probe = Math.min(n, PROBE);
  for (let i = 0; i < n; i++) {
    const ao = i * m;
    let d = 0;
    let na = 0;
    for (let p = 0; p < m; p++) {
      d += A[ao + p] * B[p * n + i];
      na += A[ao + p] ** 2;
    }
    na = Math.sqrt(na);
    let count = 0;
    let settled = false;
    for (let s = 0; s < probe; s++) {
      if (na * sortedNorm[s] <= d) { settled = true; break; } // no later column can beat the diagonal
      const j = order[s];
      if (j === i) continue;
      let v = 0;
      const so = s * m;
      for (let p = 0; p < m; p++) v += A[ao + p] * sorted[so + p];
      if (v > d && ++count >= maxK) { settled = true; break; }
    }
    if (settled || probe === n) ranks[i] = count;
    else hard.push(i);
    if ((i & 4095) === 4095) opts.onProgress?.(i + 1 - hard.length, n);
  }
  // The rest: whole rows, a block at a time.
  const R = Math.max(1, Math.min(hard.length, Math.floor((1 << 22) / n) || 1));
  const block = new Float32Array(R * n);
  const a = new Float32Array(R * m);
  for (let h0 = 0; h0 < hard.length; h0 += R) {
    const rows = Math.min(R, hard.length - h0);
    for (let r = 0; r < rows; r++) a.set(A.subarray(hard[h0 + r] * m, (hard[h0 + r] + 1) * m), r * m);
    const out = block.subarray(0, rows * n);
    if (opts.backend) opts.backend.matmul(a.subarray(0, rows * m), B, rows, m, n, { out });
    else denseBlock(a, B, rows, m, n, out);
    for (let r = 0; r < rows; r++) {
      const i = hard[h0 + r];
      const o = r * n;
      const d = out[o + i];
      let count = 0;
      for (let j = 0; j < n && count < maxK; j++) if (out[o + j] > d) count++;
      ranks[i] = count;
    }
    opts.onProgress?.(n - hard.length + h0 + rows, n);
  }
  opts.onProgress?.(n, n);
  return ranks;
}

function denseBlock(a: Float32Array, b: Float32Array, rows: number, m: number, n: number, out: Float32Array): void {
  out.fill(0);
  for (let i = 0; i < rows; i++) for (let p = 0; p < m; p++) {
    const av = a[i * m + p];
    const bo = p * n;
    const o = i * n;
    for (let j = 0; j < n; j++) out[o + j] += av * b[bo + j];
  }
}

/**
 * ARENA `top_1_acc` generalised to top-k: the fraction of rows i of the square circuit whose diagonal entry
 * M[i, i] is among the row's k largest (ties counted in the diagonal's favour). One k gives a number, several
 * give one number each from a single pass.
 */
export function topKAccuracy(fm: FactoredMatrix, k: number, opts?: { backend?: Backend; onProgress?: CircuitProgress }): number;
export function topKAccuracy(fm: FactoredMatrix, k: readonly number[], opts?: { backend?: Backend; onProgress?: CircuitProgress }): number[];
export function topKAccuracy(fm: FactoredMatrix, k: number | readonly number[], opts: { backend?: Backend; onProgress?: CircuitProgress } = {}): number | number[] {
  const ks = typeof k === "number" ? [k] : [...k];
  for (const x of ks) if (!Number.isInteger(x) || x < 1) throw new RangeError(`k must be a positive integer, got ${x}`);
  const ranks = diagonalRanks(fm, { ...opts, maxK: Math.max(...ks) });
  const acc = ks.map((x) => ranks.reduce((s, r) => s + (r < x ? 1 : 0), 0) / ranks.length);
  return typeof k === "number" ? acc[0] : acc;
}

/**
 * The eigenvalue copying score of a square circuit: Σ Re λ / Σ |λ| over the eigenvalues of its
 * FactoredMatrix (those of BA, d_head × d_head). 1 = a pure copying head, −1 = pure anti-copying.
 */
export function copyingScore(fm: FactoredMatrix): number {
  const { real, imag } = fm.eigenvalues;
  let re = 0;
  let abs = 0;
  for (let i = 0; i < real.size; i++) {
    re += real.data[i];
    abs += Math.hypot(real.data[i], imag.data[i]);
  }
  return re / abs;
}
