/**
 * Tensor's notebook helpers (torch semantics), checked against hand-worked values and a naive reference
 * that indexes element by element.
 */
import { describe, expect, it } from "vitest";
import { SeededRandom, Tensor } from "../src/index.js";

function rand(shape: number[], seed = 1): Tensor {
  const rng = new SeededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** arange(n).reshape(shape) */
function arange(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => i),
    shape,
  );
}

describe("Tensor helpers", () => {
  it("index takes leading indices as a view, with negative indices", () => {
    const t = arange([2, 3, 4]);
    expect(t.index(1, 2).toArray()).toEqual([20, 21, 22, 23]);
    expect(t.index(-1, -1, -1).toArray()).toEqual(23);
    const v = t.index(0);
    v.data[0] = 99;
    expect(t.at(0, 0, 0)).toBe(99); // shares memory
    expect(() => t.index(2)).toThrow(/out of range for axis 0 of size 2/);
    expect(() => t.index(0, 0, 0, 0)).toThrow(/4 indices for a 3-dim tensor/);
  });

  it("select, indexSelect and slice work on any axis", () => {
    const t = arange([2, 3, 4]);
    expect(t.select(2, 1).toArray()).toEqual([
      [1, 5, 9],
      [13, 17, 21],
    ]);
    expect(t.select(-2, 0).toArray()).toEqual([
      [0, 1, 2, 3],
      [12, 13, 14, 15],
    ]);
    expect(t.indexSelect(1, [2, 0, 2]).select(0, 0).toArray()).toEqual([
      [8, 9, 10, 11],
      [0, 1, 2, 3],
      [8, 9, 10, 11],
    ]);
    expect(t.slice(2, 1, 3).shape).toEqual([2, 3, 2]);
    expect(t.slice(2, 1, 3).index(1, 2).toArray()).toEqual([21, 22]);
    expect(t.slice(2, -2).index(0, 0).toArray()).toEqual([2, 3]); // t[..., -2:]
    expect(t.slice(2, 0, undefined, 2).index(0, 1).toArray()).toEqual([4, 6]); // t[..., ::2]
    expect(t.slice(1, 5, 9).shape).toEqual([2, 0, 4]); // clamped, empty
    expect(() => t.select(3, 0)).toThrow(/axis 3 is out of range/);
  });

  it("diagonal follows torch: offset below/above, the diagonal as the last axis", () => {
    const m = arange([4, 4]);
    expect(m.diagonal().toArray()).toEqual([0, 5, 10, 15]);
    expect(m.diagonal(-1).toArray()).toEqual([4, 9, 14]);
    expect(m.diagonal(2).toArray()).toEqual([2, 7]);
    expect(m.diagonal(-4).shape).toEqual([0]);
    const b = arange([2, 3, 3]);
    expect(b.diagonal(0).toArray()).toEqual([
      [0, 4, 8],
      [9, 13, 17],
    ]);
    expect(b.diagonal(0, 0, 1).toArray()).toEqual([
      [0, 12],
      [1, 13],
      [2, 14],
    ]); // [3 (last axis), 2 (diag)]
  });

  it("reductions: sum, mean, std (unbiased), max, min over axes; NaN for an empty mean", () => {
    const t = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.sum().item()).toBe(21);
    expect(t.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(t.mean(1).toArray()).toEqual([2, 5]);
    expect(t.mean(-1, true).shape).toEqual([2, 1]);
    expect(t.std().item()).toBeCloseTo(Math.sqrt(17.5 / 5), 6); // var = Σ(x-3.5)² / 5
    expect(t.std(1).toArray()).toEqual([1, 1]);
    expect(t.std(1, { correction: 0 }).data[0]).toBeCloseTo(Math.sqrt(2 / 3), 6);
    expect(t.max(0).toArray()).toEqual([4, 5, 6]);
    expect(t.min().item()).toBe(1);
    expect(t.sum([0, 1]).item()).toBe(21);
    expect(Number.isNaN(new Tensor(new Float32Array(0), [0]).mean().item())).toBe(true);
    expect(t.argmax(1).data).toEqual(Int32Array.from([2, 2]));
    // the ARENA idiom
    const pattern = arange([2, 3, 5, 5]);
    // block [1, 2] starts at (1·3 + 2)·25 = 125; its sub-diagonal is (1,0), (2,1), (3,2), (4,3) = 5, 11, 17, 23
    expect(pattern.index(1, 2).diagonal(-1).mean().item()).toBe(125 + (5 + 11 + 17 + 23) / 4);
  });

  it("transpose and permute move axes (checked element by element)", () => {
    const t = rand([2, 3, 4]);
    const tt = t.transpose();
    const p = t.permute(2, 0, 1);
    expect(tt.shape).toEqual([2, 4, 3]);
    expect(p.shape).toEqual([4, 2, 3]);
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 3; b++)
        for (let c = 0; c < 4; c++) {
          expect(tt.at(a, c, b)).toBe(t.at(a, b, c));
          expect(p.at(c, a, b)).toBe(t.at(a, b, c));
        }
    expect(t.transpose(0, 2).shape).toEqual([4, 3, 2]);
  });

  it("matmul: matrices, broadcast batches and vectors, as torch", () => {
    const a = rand([2, 1, 3, 4], 2);
    const b = rand([5, 4, 2], 3);
    const c = a.matmul(b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 5; j++)
        for (let r = 0; r < 3; r++)
          for (let s = 0; s < 2; s++) {
            let ref = 0;
            for (let k = 0; k < 4; k++) ref += a.at(i, 0, r, k) * b.at(j, k, s);
            expect(c.at(i, j, r, s)).toBeCloseTo(ref, 5);
          }
    const m = new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const v = new Tensor(Float32Array.from([1, -1]), [2]);
    expect(m.matmul(v).toArray()).toEqual([-1, -1]);
    expect(v.matmul(m).toArray()).toEqual([-2, -2]);
    expect(() => m.matmul(rand([3, 2]))).toThrow(/do not chain \(inner sizes 2 and 3\)/);
  });

  it("element-wise arithmetic broadcasts", () => {
    const m = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(m.add(1).toArray()).toEqual([
      [2, 3, 4],
      [5, 6, 7],
    ]);
    expect(m.sub(new Tensor(Float32Array.from([1, 2, 3]), [3])).toArray()).toEqual([
      [0, 0, 0],
      [3, 3, 3],
    ]);
    expect(m.mul(new Tensor(Float32Array.from([2, 10]), [2, 1])).toArray()).toEqual([
      [2, 4, 6],
      [40, 50, 60],
    ]);
    expect(m.div(2).at(1, 2)).toBe(3);
    expect(() => m.add(new Tensor(new Float32Array(2), [2]))).toThrow(/do not broadcast/);
    expect(() => m.item()).toThrow(/one element/);
  });
});
