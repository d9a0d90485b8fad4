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

/**
 * For each row i of a square circuit M = AB: how many entries of row i are strictly greater than M[i, i]
 * (0 = the diagonal is the row's maximum). Rows are formed `blockRows` at a time on the backend.
 */
export function diagonalRanks(fm: FactoredMatrix, opts: { backend?: Backend; blockRows?: number; onProgress?: CircuitProgress } = {}): Int32Array {
  if (fm.leadingShape.length) throw new RangeError("diagonalRanks takes a single matrix: index its leading axes first");
  const { ldim: n, mdim: m, rdim } = fm;
  if (n !== rdim) throw new RangeError(`top-k accuracy needs a square circuit, this one is ${n} × ${rdim}`);
  const be = opts.backend;
  const R = Math.max(1, Math.min(n, opts.blockRows ?? Math.max(16, Math.floor((1 << 22) / n))));
  const A = fm.A.data;
  const B = fm.B.data;
  const ranks = new Int32Array(n);
  const block = new Float32Array(R * n);
  for (let r0 = 0; r0 < n; r0 += R) {
    const rows = Math.min(R, n - r0);
    const out = block.subarray(0, rows * n);
    const a = A.subarray(r0 * m, (r0 + rows) * m);
    if (be) be.matmul(a, B, rows, m, n, { out });
    else denseBlock(a, B, rows, m, n, out);
    for (let i = 0; i < rows; i++) {
      const o = i * n;
      const d = out[o + r0 + i];
      let above = 0;
      for (let j = 0; j < n; j++) if (out[o + j] > d) above++;
      ranks[r0 + i] = above;
    }
    opts.onProgress?.(r0 + rows, n);
  }
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
  const ranks = diagonalRanks(fm, opts);
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
