/**
 * diagonalRanks / topKAccuracy (the row-blocked, pruned top-k of a vocab × vocab circuit) against brute force
 * over the formed matrix, on random circuits and on copying-like ones whose diagonal is large (so rows are
 * settled by the Cauchy–Schwarz bound or formed in full rather than failing fast).
 */
import { describe, expect, it } from "vitest";
import { diagonalRanks, FactoredMatrix, SeededRandom, Tensor, topKAccuracy, tsBackend } from "../../src/index.js";

function circuit(n: number, m: number, copying: number, seed: number): FactoredMatrix {
  const rng = new SeededRandom(seed);
  const A = Float32Array.from({ length: n * m }, () => rng.normal());
  const B = new Float32Array(m * n);
  for (let p = 0; p < m; p++)
    for (let j = 0; j < n; j++) B[p * n + j] = copying * A[j * m + p] + rng.normal() * (1 + (j % 7));
  return new FactoredMatrix(new Tensor(A, [n, m]), new Tensor(B, [m, n]));
}

function bruteRanks(fm: FactoredMatrix, maxK: number): number[] {
  const M = fm.AB;
  const n = fm.ldim;
  return Array.from({ length: n }, (_, i) => {
    let c = 0;
    for (let j = 0; j < n; j++) if (M.at(i, j) > M.at(i, i)) c++;
    return Math.min(c, maxK);
  });
}

describe("diagonalRanks", () => {
  for (const [name, copying] of [
    ["random", 0],
    ["weakly copying", 0.6],
    ["copying", 3],
  ] as const) {
    it(`equals brute force on a ${name} 700 × 700 circuit (maxK 5 and uncapped), with and without a backend`, () => {
      const fm = circuit(700, 8, copying, 7);
      const ref5 = bruteRanks(fm, 5);
      expect(Array.from(diagonalRanks(fm, { maxK: 5 }))).toEqual(ref5);
      expect(Array.from(diagonalRanks(fm, { maxK: 5, backend: tsBackend }))).toEqual(ref5);
      expect(Array.from(diagonalRanks(fm))).toEqual(bruteRanks(fm, 700));
      const [top1, top5] = topKAccuracy(fm, [1, 5]);
      expect(top1).toBe(ref5.filter((r) => r < 1).length / 700);
      expect(top5).toBe(ref5.filter((r) => r < 5).length / 700);
    });
  }

  it("reports progress up to the number of rows and refuses non-square circuits", () => {
    const seen: number[] = [];
    diagonalRanks(circuit(300, 4, 1, 2), {
      onProgress: (done, total) => {
        expect(total).toBe(300);
        seen.push(done);
      },
    });
    expect(seen.at(-1)).toBe(300);
    const rect = new FactoredMatrix(new Tensor(new Float32Array(6), [3, 2]), new Tensor(new Float32Array(8), [2, 4]));
    expect(() => topKAccuracy(rect, 1)).toThrow(/square circuit, this one is 3 × 4/);
    expect(() => topKAccuracy(circuit(10, 2, 0, 1), 0)).toThrow(/positive integer/);
  });
});
