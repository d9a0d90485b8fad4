/**
 * FactoredMatrix against dense computation on random small matrices: every method, both sides of products,
 * indexing. The dense references form AB with a naive triple loop and decompose it with ml-matrix directly.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { FactoredMatrix, SeededRandom, Tensor } from "../../src/index.js";

function rand(shape: number[], seed: number): Tensor {
  const rng = new SeededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** Naive dense product of two 2-D tensors, as nested arrays. */
function dense(a: Tensor, b: Tensor): number[][] {
  const [m, k] = a.shape;
  const n = b.shape[1];
  return Array.from({ length: m }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.at(i, p) * b.at(p, j);
      return s;
    }),
  );
}

function expectClose(actual: Tensor | number[][], expected: number[][], tol = 1e-4): void {
  const got = actual instanceof Tensor ? (actual.toArray() as number[][]) : actual;
  expect(got.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.flat().map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    expect(got[i].length).toBe(expected[i].length);
    for (let j = 0; j < expected[i].length; j++) expect(Math.abs(got[i][j] - expected[i][j])).toBeLessThan(tol * scale);
  }
}

const A = rand([7, 3], 1);
const B = rand([3, 6], 2);
const F = new FactoredMatrix(A, B);
const AB = dense(A, B);

describe("FactoredMatrix", () => {
  it("has TransformerLens's dims and forms AB, BA and the transpose", () => {
    expect([F.ldim, F.mdim, F.rdim]).toEqual([7, 3, 6]);
    expect(F.shape).toEqual([7, 6]);
    expectClose(F.AB, AB);
    expectClose(
      F.T.AB,
      AB[0].map((_, j) => AB.map((row) => row[j])),
    );
    const sq = new FactoredMatrix(rand([5, 2], 3), rand([2, 5], 4));
    expectClose(sq.BA, dense(sq.B, sq.A));
    expect(() => F.BA).toThrow(/square/);
  });

  it("svd: AB = U diag(S) Vhᵀ, orthonormal U and Vh, S = the singular values of the dense AB", () => {
    const { U, S, Vh } = F.svd();
    expect(U.shape).toEqual([7, 3]);
    expect(S.shape).toEqual([3]);
    expect(Vh.shape).toEqual([6, 3]);
    const rebuilt = U.mul(S.reshape([1, 3])).matmul(Vh.transpose());
    expectClose(rebuilt, AB);
    expectClose(U.transpose().matmul(U), [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expectClose(Vh.transpose().matmul(Vh), [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const ref = new SingularValueDecomposition(new Matrix(AB), { autoTranspose: true }).diagonal.slice(0, 3);
    for (let i = 0; i < 3; i++) expect(S.data[i]).toBeCloseTo(ref[i], 4);
    expect(S.data[0]).toBeGreaterThanOrEqual(S.data[1]);
  });

  it("norm is the Frobenius norm of the dense AB", () => {
    const ref = Math.sqrt(AB.flat().reduce((s, x) => s + x * x, 0));
    expect(F.norm().item()).toBeCloseTo(ref, 4);
    const S = F.S.data;
    expect(F.norm().item()).toBeCloseTo(Math.sqrt(S[0] ** 2 + S[1] ** 2 + S[2] ** 2), 4);
  });

  it("eigenvalues are the nonzero eigenvalues of the dense AB (complex pairs included)", () => {
    const sq = new FactoredMatrix(rand([6, 4], 5), rand([4, 6], 6));
    const { real, imag } = sq.eigenvalues;
    expect(real.shape).toEqual([4]);
    const d = new EigenvalueDecomposition(new Matrix(dense(sq.A, sq.B)));
    const ref = d.realEigenvalues
      .map((re, i) => [re, d.imaginaryEigenvalues[i]])
      .filter(([re, im]) => Math.hypot(re, im) > 1e-6);
    expect(ref.length).toBe(4);
    const key = ([re, im]: number[]) => re * 1000 + im;
    const got = Array.from(real.data, (re, i) => [re, imag.data[i]]).sort((x, y) => key(x) - key(y));
    ref.sort((x, y) => key(x) - key(y));
    for (let i = 0; i < 4; i++) {
      expect(got[i][0]).toBeCloseTo(ref[i][0], 3);
      expect(got[i][1]).toBeCloseTo(ref[i][1], 3);
    }
  });

  it("getCorner, collapseL, collapseR and makeEven match the dense matrix", () => {
    expectClose(
      F.getCorner(2),
      AB.slice(0, 2).map((r) => r.slice(0, 2)),
    );
    // collapse_l drops U: U · collapseL = AB; collapse_r drops Vh: collapseR · Vhᵀ = AB
    expectClose(F.U.matmul(F.collapseL()), AB);
    expectClose(F.collapseR().matmul(F.Vh.transpose()), AB);
    expectClose(F.makeEven().AB, AB);
  });

  it("products with dense matrices and vectors on both sides, and with another FactoredMatrix", () => {
    const right = rand([6, 4], 7);
    const left = rand([5, 7], 8);
    const r = F.matmul(right);
    expect(r).toBeInstanceOf(FactoredMatrix);
    expectClose((r as FactoredMatrix).AB, dense(new Tensor(Float32Array.from(AB.flat()), [7, 6]), right));
    const l = F.rmatmul(left);
    expect(l).toBeInstanceOf(FactoredMatrix);
    expectClose((l as FactoredMatrix).AB, dense(left, new Tensor(Float32Array.from(AB.flat()), [7, 6])));
    // the wide side is multiplied into the factor (rdim 6 > mdim 3): B grows, A is kept
    expect((r as FactoredMatrix).A).toBe(A);
    const v = rand([6], 9);
    const Fv = F.matmul(v) as Tensor;
    expect(Fv.shape).toEqual([7]);
    AB.forEach((row, i) =>
      expect(Fv.data[i]).toBeCloseTo(
        row.reduce((s, x, j) => s + x * v.data[j], 0),
        4,
      ),
    );
    const G = new FactoredMatrix(rand([6, 2], 10), rand([2, 5], 11));
    const FG = F.matmul(G) as FactoredMatrix;
    expectClose(FG.AB, dense(new Tensor(Float32Array.from(AB.flat()), [7, 6]), G.AB));
    expect(() => F.matmul(rand([5, 2], 12))).toThrow(/inner sizes 6 and 5/);
  });

  it("rows and cols index before multiplying", () => {
    const rows = [4, 0, 6];
    const cols = [5, 1];
    const sub = F.rows(rows).cols(cols);
    expect(sub.A.shape).toEqual([3, 3]);
    expect(sub.B.shape).toEqual([3, 2]);
    expectClose(
      sub.AB,
      rows.map((i) => cols.map((j) => AB[i][j])),
    );
  });

  it("leading axes: batched methods, index and unsqueeze, broadcasting a factor", () => {
    const As = rand([2, 3, 5, 2], 13);
    const Bs = rand([2, 3, 2, 5], 14);
    const M = new FactoredMatrix(As, Bs);
    expect(M.shape).toEqual([2, 3, 5, 5]);
    const one = M.index(1, 2);
    expectClose(one.AB, dense(As.index(1, 2), Bs.index(1, 2)));
    expect(M.norm().shape).toEqual([2, 3]);
    expect(M.norm().at(1, 2)).toBeCloseTo(one.norm().item(), 5);
    expect(M.S.shape).toEqual([2, 3, 2]);
    expect(M.S.at(1, 2, 0)).toBeCloseTo(one.S.data[0], 4);
    expect(M.eigenvalues.real.shape).toEqual([2, 3, 2]);
    expect(M.unsqueeze(0).shape).toEqual([1, 2, 3, 5, 5]);
    // B broadcast over A's leading axes
    const shared = rand([2, 5], 15);
    const Mb = new FactoredMatrix(As, shared);
    expect(Mb.shape).toEqual([2, 3, 5, 5]);
    expectClose(Mb.index(0, 1).AB, dense(As.index(0, 1), shared));
    expect(Mb.norm().at(0, 1)).toBeCloseTo(new FactoredMatrix(As.index(0, 1), shared).norm().item(), 5);
    expect(() => M.index(2)).toThrow(/out of range/);
  });

  it("refuses factors that do not chain", () => {
    expect(() => new FactoredMatrix(rand([3, 2], 1), rand([3, 3], 2))).toThrow(/do not chain/);
    expect(() => new FactoredMatrix(rand([3], 1), rand([3, 3], 2))).toThrow(/needs matrices/);
  });
});
