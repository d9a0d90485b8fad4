// The pointer-level API of the built kernels package (dist/, so turbo-cached builds test the same files): products against a float64 loop, the heap's reuse of
// freed blocks, feature detection and the thread-count report.
import { afterAll, describe, expect, it } from "vitest";
import {
  createKernels,
  GEMM_ACCUMULATE,
  relaxedSimdSupported,
  simdSupported,
  type KernelsContext,
} from "../dist/index.js";

const contexts: KernelsContext[] = [];
afterAll(() => contexts.forEach((c) => c.dispose()));

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

describe.each([1, 2])("gemm with %i thread(s)", (threads) => {
  it.each([
    [1, 1, 1],
    [4, 8, 8],
    [7, 13, 70],
    [62, 64, 129],
    [5, 300, 9],
  ])("%i×%i · %i×n, strided and transposed", async (m, k, n) => {
    const ctx = await createKernels({ threads, relaxed: false, minSplitWork: 0 });
    contexts.push(ctx);
    const a = rand(m * k, 1),
      b = rand(k * n, 2),
      bias = rand(n, 3),
      c0 = rand(m * n, 4);
    const pa = ctx.heap.alloc(a.length * 4),
      pb = ctx.heap.alloc(b.length * 4),
      pc = ctx.heap.alloc(m * n * 4);
    const pbias = ctx.heap.alloc(n * 4),
      scratch = ctx.heap.alloc(ctx.packScratchBytes(k));
    ctx.f32.set(a, pa / 4);
    ctx.f32.set(bias, pbias / 4);
    ctx.f32.set(c0, pc / 4);
    // B given transposed ([n, k]): B(p, j) = bt[j·k + p].
    const bt = new Float32Array(n * k);
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
    ctx.f32.set(bt, pb / 4);
    ctx.gemm(pa, k, 1, pb, 1, k, pc, n, m, k, n, pbias, GEMM_ACCUMULATE, scratch);
    let err = 0,
      scale = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = c0[i * n + j] + bias[j];
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        err = Math.max(err, Math.abs(ctx.f32[pc / 4 + i * n + j] - s));
        scale = Math.max(scale, Math.abs(s));
      }
    expect(err).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
  });
});

describe.each([1, 2])("gemmPacked with %i thread(s)", (threads) => {
  // Row counts cover whole 4-row blocks, padded 2- and 3-row tails and a single leftover row.
  it.each([
    [1, 8, 8],
    [2, 16, 9],
    [3, 5, 64],
    [6, 70, 31],
    [62, 64, 129],
    [63, 96, 200],
  ])("%i×%i · %i×n against float64", async (m, k, n) => {
    const ctx = await createKernels({ threads, relaxed: false, minSplitWork: 0 });
    contexts.push(ctx);
    const a = rand(m * k, 5),
      b = rand(k * n, 6),
      bias = rand(n, 7);
    const pa = ctx.heap.alloc(a.length * 4),
      pb = ctx.heap.alloc(b.length * 4),
      pc = ctx.heap.alloc(m * n * 4);
    const pbias = ctx.heap.alloc(n * 4),
      packed = ctx.heap.alloc(ctx.packedWeightBytes(k, n));
    expect(ctx.packedWeightBytes(k, n)).toBe(Math.ceil(n / 8) * k * 32);
    ctx.f32.set(a, pa / 4);
    ctx.f32.set(b, pb / 4);
    ctx.f32.set(bias, pbias / 4);
    // Packed in two blocks of rows, as large weights are staged.
    const half = k >> 1;
    if (half > 0) ctx.packWeights(pb, n, half, n, packed, { p0: 0, kTotal: k });
    ctx.packWeights(pb + half * n * 4, n, k - half, n, packed, { p0: half, kTotal: k });
    // C starts as NaN: every element must be written, none read (no accumulate flag).
    ctx.f32.fill(NaN, pc / 4, pc / 4 + m * n);
    ctx.gemmPacked(pa, k, packed, pc, n, m, k, n, pbias, 0);
    let err = 0,
      scale = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = bias[j];
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        err = Math.max(err, Math.abs(ctx.f32[pc / 4 + i * n + j] - s));
        scale = Math.max(scale, Math.abs(s));
      }
    expect(err).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
  });
});

describe("heap", () => {
  it("reuses and coalesces freed blocks instead of growing", async () => {
    const ctx = await createKernels({ threads: 1 });
    contexts.push(ctx);
    const a = ctx.heap.alloc(1000),
      b = ctx.heap.alloc(1000),
      c = ctx.heap.alloc(1000);
    const top = ctx.heap.highWater;
    ctx.heap.release(a);
    ctx.heap.release(b);
    // a and b merged: a block of 2 × 1024 bytes fits where they were.
    expect(ctx.heap.alloc(2000)).toBe(a);
    expect(ctx.heap.highWater).toBe(top);
    expect(() => ctx.heap.release(c + 4)).toThrow(/unknown block/);
  });

  it("refreshes its views when the memory grows", async () => {
    const ctx = await createKernels({ threads: 1 });
    contexts.push(ctx);
    const before = ctx.memory.buffer.byteLength;
    const p = ctx.heap.alloc(64 * 1024 * 1024);
    expect(ctx.memory.buffer.byteLength).toBeGreaterThan(before);
    ctx.f32[p / 4 + 16 * 1024 * 1024 - 1] = 5;
    expect(ctx.f32.length * 4).toBe(ctx.memory.buffer.byteLength);
  });

  it("counts growths, fresh and reused blocks and view rebuilds", async () => {
    const ctx = await createKernels({ threads: 1 });
    contexts.push(ctx);
    const s0 = ctx.stats();
    expect(s0).toMatchObject({ grows: 0, freshAllocs: 0, reusedAllocs: 0, releases: 0, viewRebuilds: 1 });
    const a = ctx.heap.alloc(100); // rounded up to 128 bytes, fits in the initial memory
    const b = ctx.heap.alloc(3 * 65536); // past the initial two pages: one growth
    const s1 = ctx.stats();
    expect(s1).toMatchObject({ grows: 1, freshAllocs: 2, freshBytes: 128 + 3 * 65536, reusedAllocs: 0 });
    expect(s1.grownBytes % 65536).toBe(0);
    expect(s1.memoryBytes).toBe(s0.memoryBytes + s1.grownBytes);
    expect(s1.viewRebuilds).toBe(2);
    ctx.heap.release(a);
    ctx.heap.release(b);
    ctx.heap.alloc(64); // from the freed memory: no fresh block, no growth
    expect(ctx.stats()).toMatchObject({ grows: 1, freshAllocs: 2, reusedAllocs: 1, releases: 2, viewRebuilds: 2 });
  });
});

describe("softmax at the bottom of exp's range", () => {
  it("gives exp(v) / (1 + exp(v)) down to ln(FLT_MIN), exactly 0 below, never a subnormal", async () => {
    const ctx = await createKernels({ threads: 1, relaxed: false });
    contexts.push(ctx);
    const FLT_MIN = 2 ** -126;
    for (const v of [-80, -87, -87.3, -87.336, -87.337, -87.5, -88, -88.3, -88.4, -100, -Infinity]) {
      const p = ctx.heap.alloc(64);
      ctx.f32.set([0, v], p / 4);
      ctx.causalSoftmax(p, p, 1, 1, 2, 2); // one row: query 1 of 2, both keys visible
      const got = ctx.f32[p / 4 + 1];
      const e = Math.exp(Math.fround(v)); // of the float32 input
      const want = e / (1 + e);
      if (want < FLT_MIN) expect(got).toBe(0);
      else expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
      expect(got === 0 || got >= FLT_MIN).toBe(true);
      expect(ctx.f32[p / 4]).toBe(1);
      ctx.heap.release(p);
    }
  });
});

describe("feature detection", () => {
  it("finds SIMD, and relaxed SIMD only where the engine validates it", async () => {
    expect(simdSupported()).toBe(true);
    const ctx = await createKernels({ threads: 1 });
    contexts.push(ctx);
    expect(ctx.relaxed).toBe(relaxedSimdSupported());
    expect(ctx.name).toBe(relaxedSimdSupported() ? "kernels-relaxed-simd" : "kernels-simd");
  });

  it("reports threads in its name", async () => {
    const ctx = await createKernels({ threads: 2, relaxed: false });
    contexts.push(ctx);
    expect(ctx.threads).toBe(2);
    expect(ctx.name).toBe("kernels-simd x2");
    await expect(createKernels({ threads: 0 })).rejects.toThrow(/threads must be/);
  });
});
