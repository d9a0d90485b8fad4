/**
 * The small dense decompositions circuits need (thin SVD, eigenvalues of a non-symmetric matrix), from
 * `ml-matrix` (pure JavaScript, runs in Node, browsers and workers), in float64. The matrices these see are
 * at most d_model × d_head (768 × 64) or d_head × d_head: the big ones stay factored.
 *
 * Dimension legend: a matrix is [m, n] row-major; k = min(m, n).
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from "ml-matrix";

export interface Svd {
  /** [m, k] left singular vectors (columns). */
  U: Float64Array;
  /** [k] singular values, descending. */
  S: Float64Array;
  /** [n, k] right singular vectors (columns): M = U · diag(S) · Vᵀ, torch.svd's `V`. */
  V: Float64Array;
}

function toMatrix(data: ArrayLike<number>, m: number, n: number): Matrix {
  if (data.length !== m * n) throw new RangeError(`matrix data has ${data.length} entries, expected ${m} × ${n}`);
  const mat = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mat.set(i, j, data[i * n + j]);
  return mat;
}

function fromMatrix(mat: Matrix, cols: number): Float64Array {
  const out = new Float64Array(mat.rows * cols);
  for (let i = 0; i < mat.rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = mat.get(i, j);
  return out;
}

/** Thin SVD of an [m, n] matrix (torch.svd): U [m, k], S [k] descending, V [n, k]. */
export function svd(data: ArrayLike<number>, m: number, n: number): Svd {
  const k = Math.min(m, n);
  const d = new SingularValueDecomposition(toMatrix(data, m, n), { autoTranspose: true });
  const S = Float64Array.from(d.diagonal.slice(0, k));
  return { U: fromMatrix(d.leftSingularVectors, k), S, V: fromMatrix(d.rightSingularVectors, k) };
}

/** Eigenvalues of a square (generally non-symmetric) [n, n] matrix as real and imaginary parts (torch.linalg.eig). */
export function eigenvalues(data: ArrayLike<number>, n: number): { real: Float64Array; imag: Float64Array } {
  const d = new EigenvalueDecomposition(toMatrix(data, n, n));
  return { real: Float64Array.from(d.realEigenvalues), imag: Float64Array.from(d.imaginaryEigenvalues) };
}

/** C [m, n] = A [m, k] · B [k, n] in float64. */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      if (av === 0) continue;
      const o = i * n;
      const bo = p * n;
      for (let j = 0; j < n; j++) out[o + j] += av * b[bo + j];
    }
  }
  return out;
}

/** Aᵀ·A [n, n] of an [m, n] matrix, in float64. */
export function gramCols(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    for (let i = 0; i < n; i++) {
      const ai = a[o + i];
      if (ai === 0) continue;
      for (let j = 0; j < n; j++) g[i * n + j] += ai * a[o + j];
    }
  }
  return g;
}

/** B·Bᵀ [m, m] of an [m, n] matrix, in float64. */
export function gramRows(b: ArrayLike<number>, m: number, n: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += b[i * n + p] * b[j * n + p];
      g[i * m + j] = s;
      g[j * m + i] = s;
    }
  }
  return g;
}

/** Σ x ⊙ y. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
