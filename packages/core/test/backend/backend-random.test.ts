// The kernels agree with the reference backend on random model-sized shapes (1e-5 of the output's scale),
// single-threaded and split across two threads, including incremental shapes (few queries, many keys).
import { afterAll, describe, expect, it } from "vitest";
import { tsBackend } from "../../src/backend/ts-backend.js";
import { createKernelsBackend, type KernelsBackend } from "../../src/backend/kernels-backend.js";
import { SeededRandom } from "../../src/index.js";

const rng = new SeededRandom(7);
const rand = (n: number, std = 1) => Float32Array.from({ length: n }, () => rng.normal() * std);

function relErr(got: Float32Array, ref: Float32Array): number {
  let scale = 0,
    err = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(ref[i])) {
      if (!Object.is(ref[i], got[i]) && !(Number.isNaN(ref[i]) && Number.isNaN(got[i]))) return Infinity;
      continue;
    }
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(got[i] - ref[i]));
  }
  return err / Math.max(scale, 1e-30);
}

const made: KernelsBackend[] = [];
afterAll(() => made.forEach((b) => b.dispose()));

describe.each([1, 2])("kernels with %i thread(s) vs ts", (threads) => {
  const get = (() => {
    let b: Promise<KernelsBackend> | undefined;
    return () => (b ??= createKernelsBackend({ threads, relaxed: false }).then((x) => (made.push(x), x)));
  })();
  const D = 256,
    H = 4,
    Dh = 64,
    V = 3001;

  it.each([
    [70, 70],
    [1, 63],
    [5, 130],
  ])("attention ops, %i queries against %i keys", async (tq, tk) => {
    const be = await get();
    const q = rand(tq * H * Dh),
      k = rand(tk * H * Dh),
      v = rand(tk * H * Dh);
    const scale = Math.sqrt(Dh);
    const sRef = tsBackend.attnScores(q, k, tq, tk, H, Dh, scale, -Infinity);
    expect(relErr(be.attnScores(q, k, tq, tk, H, Dh, scale, -Infinity), sRef)).toBeLessThan(1e-5);
    const pRef = tsBackend.causalSoftmax(sRef, H, tq, tk);
    expect(relErr(be.causalSoftmax(sRef, H, tq, tk), pRef)).toBeLessThan(1e-5);
    expect(relErr(be.attnPattern(q, k, tq, tk, H, Dh, scale), pRef)).toBeLessThan(1e-5);
    expect(
      relErr(be.patternValue(pRef, v, tq, tk, H, Dh), tsBackend.patternValue(pRef, v, tq, tk, H, Dh)),
    ).toBeLessThan(1e-5);
  });

  it("fused attention and patterns in head chunks (16 heads × 1100², more than one 64 MB chunk)", async () => {
    const be = await get();
    const T = 1100,
      Hs = 16,
      d = 8;
    const q = rand(T * Hs * d),
      k = rand(T * Hs * d),
      v = rand(T * Hs * d);
    const pRef = tsBackend.causalSoftmax(tsBackend.attnScores(q, k, T, T, Hs, d, Math.sqrt(d), -Infinity), Hs, T, T);
    expect(relErr(be.attnPattern(q, k, T, T, Hs, d, Math.sqrt(d)), pRef)).toBeLessThan(1e-5);
    const zRef = tsBackend.patternValue(pRef, v, T, T, Hs, d);
    expect(relErr(be.attention(q, k, v, T, T, Hs, d, Math.sqrt(d)), zRef)).toBeLessThan(1e-5);
    // Incremental shape: the last 3 queries against all keys.
    const q3 = q.subarray((T - 3) * Hs * d);
    const p3 = tsBackend.causalSoftmax(tsBackend.attnScores(q3, k, 3, T, Hs, d, Math.sqrt(d), -Infinity), Hs, 3, T);
    expect(
      relErr(be.attention(q3, k, v, 3, T, Hs, d, Math.sqrt(d)), tsBackend.patternValue(p3, v, 3, T, Hs, d)),
    ).toBeLessThan(1e-5);
  });

  it("projections, head results and both matmul transposes", async () => {
    const be = await get();
    const T = 70;
    const x = rand(T * D),
      w = rand(D * H * Dh, 0.05),
      b = rand(H * Dh);
    expect(
      relErr(be.matmul(x, w, T, D, H * Dh, { bias: b }), tsBackend.matmul(x, w, T, D, H * Dh, { bias: b })),
    ).toBeLessThan(1e-5);
    const z = rand(T * H * Dh),
      wO = rand(H * Dh * D, 0.05);
    expect(relErr(be.headResults(z, wO, T, H, Dh, D), tsBackend.headResults(z, wO, T, H, Dh, D))).toBeLessThan(1e-5);
    const dy = rand(T * D);
    // Gradients: dW = Xᵀ·dY and dX = dY·Wᵀ.
    expect(
      relErr(be.matmul(x, dy, D, T, D, { transA: true }), tsBackend.matmul(x, dy, D, T, D, { transA: true })),
    ).toBeLessThan(1e-5);
    const w2 = rand(D * D, 0.05);
    expect(
      relErr(be.matmul(dy, w2, T, D, D, { transB: true }), tsBackend.matmul(dy, w2, T, D, D, { transB: true })),
    ).toBeLessThan(1e-5);
    const acc = rand(T * D);
    const accRef = tsBackend.matmul(dy, w2, T, D, D, { accumulate: true, out: acc.slice() });
    expect(relErr(be.matmul(dy, w2, T, D, D, { accumulate: true, out: acc.slice() }), accRef)).toBeLessThan(1e-5);
  });

  it("weights used again are kept packed: products, head results and unembedding match, in-place updates are seen", async () => {
    const be = await get();
    const w = rand(D * H * Dh, 0.05),
      b = rand(H * Dh),
      wO = rand(H * Dh * D, 0.05),
      wU = rand(D * V, 0.1),
      bU = rand(V);
    // The first use copies the weight for that op only; from the second on it is kept in the packed layout.
    for (let use = 0; use < 3; use++) {
      for (const m of [1, 2, 3, 4, 62, 63]) {
        const x = rand(m * D);
        expect(
          relErr(be.matmul(x, w, m, D, H * Dh, { bias: b }), tsBackend.matmul(x, w, m, D, H * Dh, { bias: b })),
        ).toBeLessThan(1e-5);
        const z = rand(m * H * Dh);
        expect(relErr(be.headResults(z, wO, m, H, Dh, D), tsBackend.headResults(z, wO, m, H, Dh, D))).toBeLessThan(
          1e-5,
        );
      }
      const T = 13,
        x = rand(T * D);
      const targets = Int32Array.from({ length: T }, (_, i) => (i * 1237 + use) % V);
      expect(
        relErr(be.matmul(x, wU, T, D, V, { bias: bU }), tsBackend.matmul(x, wU, T, D, V, { bias: bU })),
      ).toBeLessThan(1e-5);
      const got = be.unembedStats(x, wU, bU, T, D, V, targets),
        ref = tsBackend.unembedStats(x, wU, bU, T, D, V, targets);
      expect(relErr(got.logsumexp, ref.logsumexp)).toBeLessThan(1e-5);
      expect(relErr(got.targetLogits, ref.targetLogits)).toBeLessThan(1e-5);
    }
    // An optimiser step changes the weights in place: the kept packed copy must follow.
    for (let i = 0; i < w.length; i++) w[i] *= -0.5;
    const x = rand(5 * D);
    expect(
      relErr(be.matmul(x, w, 5, D, H * Dh, { bias: b }), tsBackend.matmul(x, w, 5, D, H * Dh, { bias: b })),
    ).toBeLessThan(1e-5);
  });

  it("one and two rows (an appended token) against a wide matrix, with bias and accumulation", async () => {
    const be = await get();
    for (const m of [1, 2]) {
      const x = rand(m * D),
        w = rand(D * 9001, 0.05),
        b = rand(9001),
        acc = rand(m * 9001);
      expect(
        relErr(be.matmul(x, w, m, D, 9001, { bias: b }), tsBackend.matmul(x, w, m, D, 9001, { bias: b })),
      ).toBeLessThan(1e-5);
      const ref = tsBackend.matmul(x, w, m, D, 9001, { bias: b, accumulate: true, out: acc.slice() });
      expect(relErr(be.matmul(x, w, m, D, 9001, { bias: b, accumulate: true, out: acc.slice() }), ref)).toBeLessThan(
        1e-5,
      );
    }
  });

  it("unembedding: logits and logsumexp / target logits without the logits", async () => {
    const be = await get();
    const T = 45;
    const x = rand(T * D),
      wU = rand(D * V, 0.1),
      bU = rand(V);
    const targets = Int32Array.from({ length: T }, (_, i) => (i === T - 1 ? -1 : (i * 977) % V));
    expect(
      relErr(be.matmul(x, wU, T, D, V, { bias: bU }), tsBackend.matmul(x, wU, T, D, V, { bias: bU })),
    ).toBeLessThan(1e-5);
    const got = be.unembedStats(x, wU, bU, T, D, V, targets);
    const ref = tsBackend.unembedStats(x, wU, bU, T, D, V, targets);
    expect(relErr(got.logsumexp, ref.logsumexp)).toBeLessThan(1e-5);
    expect(relErr(got.targetLogits, ref.targetLogits)).toBeLessThan(1e-5);
    expect(got.targetLogits[T - 1]).toBeNaN();
  });

  it("unembedding streamed through kernels memory in column blocks (long inputs) gives the same statistics", async () => {
    const streaming = await createKernelsBackend({ threads, relaxed: false, streamUnembedRows: 1 });
    made.push(streaming);
    // A vocabulary spanning several 16 MB blocks at this width, targets in every block and at its edges.
    const T = 9,
      Dm = 512,
      Vb = 8184,
      V2 = 3 * Vb + 17;
    const x = rand(T * Dm),
      wU = rand(Dm * V2, 0.05),
      bU = rand(V2);
    const targets = Int32Array.from([0, Vb - 1, Vb, 2 * Vb + 5, V2 - 1, 17, -1, 3 * Vb, 12345]);
    const before = streaming.memory.buffer.byteLength;
    const got = streaming.unembedStats(x, wU, bU, T, Dm, V2, targets);
    const ref = tsBackend.unembedStats(x, wU, bU, T, Dm, V2, targets);
    expect(relErr(got.logsumexp, ref.logsumexp)).toBeLessThan(1e-5);
    expect(relErr(got.targetLogits, ref.targetLogits)).toBeLessThan(1e-5);
    expect(got.targetLogits[6]).toBeNaN();
    // No copy of W_U (67 MB here) was kept: kernels memory grew by the staging block at most.
    expect(streaming.memory.buffer.byteLength - before).toBeLessThan((Dm * V2 * 4) / 2);
  });
});
