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
 * The columns of a square circuit's right factor B [m, n], prepared for `ranksAgainst`: as rows (Bt [n, m]),
 * and the same rows sorted by decreasing norm. Shared between circuits with the same right factor.
 */
export interface CircuitColumns {
  n: number;
  m: number;
  /** [n, m]: column j of B is row j. */
  Bt: Float32Array;
  /** Column indices by decreasing norm, their rows and norms in that order, and each column's place in it. */
  order: Int32Array;
  sorted: Float32Array;
  sortedNorm: Float64Array;
  place: Int32Array;
}

/** Prepare the columns of B from Bt [n, m] (B's columns as rows). */
export function prepareColumns(Bt: Float32Array, n: number, m: number): CircuitColumns {
  if (Bt.length !== n * m) throw new RangeError(`columns: expected ${n} × ${m} values, got ${Bt.length}`);
  const norm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < m; p++) s += Bt[j * m + p] ** 2;
    norm[j] = Math.sqrt(s);
  }
  const order = Int32Array.from({ length: n }, (_, j) => j).sort((x, y) => norm[y] - norm[x]);
  const sorted = new Float32Array(n * m);
  const sortedNorm = new Float64Array(n);
  const place = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const j = order[s];
    sortedNorm[s] = norm[j];
    place[j] = s;
    sorted.set(Bt.subarray(j * m, (j + 1) * m), s * m);
  }
  return { n, m, Bt, order, sorted, sortedNorm, place };
}

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
  return ranksAgainst(fm.A.data, prepareColumns(fm.B.transpose().data, n, m), opts);
}

/** `diagonalRanks` of A [n, m] · B, B given by its prepared columns. */
export function ranksAgainst(A: Float32Array, cols: CircuitColumns, opts: RankOptions = {}): Int32Array {
  const { n, m, Bt, order, sorted, sortedNorm, place } = cols;
  if (A.length !== n * m) throw new RangeError(`ranks: the left factor has ${A.length} values, expected ${n} × ${m}`);
  const maxK = Math.max(1, Math.min(n, opts.maxK ?? n));
  const ranks = new Int32Array(n);
  const hard: number[] = [];
  const probe = Math.min(n, PROBE);
  for (let i = 0; i < n; i++) {
    const ao = i * m;
    const bo = place[i] * m;
    let d = 0;
    let na = 0;
    for (let p = 0; p < m; p++) {
      d += A[ao + p] * sorted[bo + p];
      na += A[ao + p] ** 2;
    }
    na = Math.sqrt(na);
    let count = 0;
    let settled = false;
    for (let s = 0; s < probe; s++) {
      if (na * sortedNorm[s] <= d) {
        settled = true;
        break;
      } // no later column can beat the diagonal
      if (order[s] === i) continue;
      let v = 0;
      const so = s * m;
      for (let p = 0; p < m; p++) v += A[ao + p] * sorted[so + p];
      if (v > d && ++count >= maxK) {
        settled = true;
        break;
      }
    }
    if (settled || probe === n) ranks[i] = count;
    else hard.push(i);
    if ((i & 4095) === 4095) opts.onProgress?.(i + 1 - hard.length, n);
  }
  // The rest: whole rows, a block at a time (A_rows · Btᵀ).
  const R = Math.max(1, Math.min(hard.length, Math.floor((1 << 22) / n) || 1));
  const block = new Float32Array(R * n);
  const a = new Float32Array(R * m);
  for (let h0 = 0; h0 < hard.length; h0 += R) {
    const rows = Math.min(R, hard.length - h0);
    for (let r = 0; r < rows; r++) a.set(A.subarray(hard[h0 + r] * m, (hard[h0 + r] + 1) * m), r * m);
    const out = block.subarray(0, rows * n);
    if (opts.backend) opts.backend.matmul(a.subarray(0, rows * m), Bt, rows, m, n, { transB: true, out });
    else denseBlockT(a, Bt, rows, m, n, out);
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

/** out [rows, n] = a [rows, m] · Btᵀ, Bt [n, m]. */
function denseBlockT(a: Float32Array, bt: Float32Array, rows: number, m: number, n: number, out: Float32Array): void {
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += a[i * m + p] * bt[j * m + p];
      out[i * n + j] = s;
    }
}

/**
 * ARENA `top_1_acc` generalised to top-k: the fraction of rows i of the square circuit whose diagonal entry
 * M[i, i] is among the row's k largest (ties counted in the diagonal's favour). One k gives a number, several
 * give one number each from a single pass.
 */
export function topKAccuracy(
  fm: FactoredMatrix,
  k: number,
  opts?: { backend?: Backend; onProgress?: CircuitProgress },
): number;
export function topKAccuracy(
  fm: FactoredMatrix,
  k: readonly number[],
  opts?: { backend?: Backend; onProgress?: CircuitProgress },
): number[];
export function topKAccuracy(
  fm: FactoredMatrix,
  k: number | readonly number[],
  opts: { backend?: Backend; onProgress?: CircuitProgress } = {},
): number | number[] {
  const ks = typeof k === "number" ? [k] : [...k];
  for (const x of ks) if (!Number.isInteger(x) || x < 1) throw new RangeError(`k must be a positive integer, got ${x}`);
  const acc = accuracies(diagonalRanks(fm, { ...opts, maxK: Math.max(...ks) }), ks);
  return typeof k === "number" ? acc[0] : acc;
}

/** Fraction of ranks below each k. */
export function accuracies(ranks: Int32Array, ks: readonly number[]): number[] {
  return ks.map((x) => ranks.reduce((s, r) => s + (r < x ? 1 : 0), 0) / ranks.length);
}

/** Columns [c0, c0 + w) of a row-major [rows, cols] array, as [rows, w]. */
export function columnsOf(x: Float32Array, rows: number, cols: number, c0: number, w: number): Float32Array {
  const out = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * cols + c0, r * cols + c0 + w), r * w);
  return out;
}

/** Heads of one layer packed side by side: [H, D, Dh] → [D, H·Dh] (so one matmul serves every head). */
export function packHeads(w: Tensor): Float32Array {
  const [H, D, Dh] = w.shape;
  const out = new Float32Array(H * D * Dh);
  for (let h = 0; h < H; h++)
    for (let m = 0; m < D; m++) out.set(w.data.subarray((h * D + m) * Dh, (h * D + m + 1) * Dh), m * H * Dh + h * Dh);
  return out;
}

export interface OvCircuitTable {
  /** [L][H] top-1 and top-5 accuracy and eigenvalue copying score of each head's full OV circuit on S. */
  top1: number[][];
  top5: number[][];
  copying: number[][];
}

/**
 * `fullOvCircuit` + `topKAccuracy([1, 5])` + `copyingScore` for every head, with one W_E[S] · W_V and one
 * W_O · W_U[:, S] product per layer (every head at once). `onProgress` counts rows over all heads.
 */
export function ovCircuitTable(
  model: HookedTransformer,
  opts: CircuitOptions & { onProgress?: (done: number, total: number, head: string) => void } = {},
): OvCircuitTable {
  const { n_layers: L, n_heads: H, d_model: D, d_head: Dh } = model.cfg;
  const v = resolveVocab(model.cfg, opts.vocab);
  const be = opts.backend ?? model.backend;
  const E = embedRows(model.W_E, v);
  const U = unembedCols(model.W_U, v);
  const W_V = model.W_V,
    W_O = model.W_O;
  const out: OvCircuitTable = { top1: [], top5: [], copying: [] };
  for (let l = 0; l < L; l++) {
    const ev = be.matmul(E, packHeads(W_V.index(l)), v.n, D, H * Dh); // [S, H·Dh]
    const ou = be.matmul(W_O.index(l).data, U, H * Dh, D, v.n); // [H·Dh, S]
    out.top1.push([]);
    out.top5.push([]);
    out.copying.push([]);
    for (let h = 0; h < H; h++) {
      const label = `${l}.${h}`;
      const A = columnsOf(ev, v.n, H * Dh, h * Dh, Dh);
      const B = ou.subarray(h * Dh * v.n, (h + 1) * Dh * v.n);
      const fm = new FactoredMatrix(new Tensor(A, [v.n, Dh]), new Tensor(B, [Dh, v.n]));
      const done = (l * H + h) * v.n;
      const ranks = ranksAgainst(A, prepareColumns(transpose2d(B, Dh, v.n), v.n, Dh), {
        backend: be,
        maxK: 5,
        onProgress: opts.onProgress && ((d) => opts.onProgress!(done + d, L * H * v.n, label)),
      });
      const [a1, a5] = accuracies(ranks, [1, 5]);
      out.top1[l].push(a1);
      out.top5[l].push(a5);
      out.copying[l].push(copyingScore(fm));
    }
  }
  return out;
}

function transpose2d(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
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
