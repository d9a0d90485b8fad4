// Every backend against the same data-driven op cases (test/op-cases/*.json, expected values in float64
// from test/op-cases/generate.mjs).
import { afterAll, describe, expect, it } from "vitest";
import { tsBackend } from "../../src/backend/ts-backend.js";
import { createKernelsBackend, type KernelsBackend } from "../../src/backend/kernels-backend.js";
import type { Backend } from "../../src/backend/backend.js";
// @ts-expect-error plain ESM helper shared with the relaxed-SIMD child process
import { compare, loadOpCases, runOp } from "../op-cases/check.mjs";

type OpFile = {
  op: string;
  cases: { name: string; args: Record<string, unknown>; expected: Record<string, number[]> }[];
};
const files = loadOpCases() as OpFile[];

const kernels: KernelsBackend[] = [];
const backends: [string, () => Promise<Backend>][] = [
  ["ts", async () => tsBackend],
  ["kernels, plain SIMD, 1 thread", async () => track(await createKernelsBackend({ threads: 1, relaxed: false }))],
  // minSplitWork 0: even these small cases are split between the two threads.
  [
    "kernels, plain SIMD, 2 threads",
    async () => track(await createKernelsBackend({ threads: 2, relaxed: false, minSplitWork: 0 })),
  ],
];

function track(b: KernelsBackend): KernelsBackend {
  kernels.push(b);
  return b;
}
afterAll(() => kernels.forEach((b) => b.dispose()));

it("there are op cases for every Backend op", () => {
  expect(files.map((f) => f.op).sort()).toEqual([
    "attention",
    "attnPattern",
    "attnScores",
    "causalSoftmax",
    "headResults",
    "matmul",
    "patternValue",
    "unembedStats",
  ]);
  for (const f of files) expect(f.cases.length).toBeGreaterThan(2);
});

describe.each(backends)("%s", (_label, make) => {
  let backend: Backend;
  for (const f of files) {
    describe(f.op, () => {
      it.each(f.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
        backend ??= await make();
        const got = runOp(backend, f.op, c.args);
        if (got === null) return; // optional op the backend does not have
        expect(compare(got, c.expected)).toEqual([]);
      });
    });
  }
});

describe("kernels backend", () => {
  it("names itself after its build and thread count", async () => {
    const one = track(await createKernelsBackend({ threads: 1, relaxed: false }));
    const two = track(await createKernelsBackend({ threads: 2, relaxed: false }));
    expect(one.name).toBe("kernels-simd");
    expect(two.name).toBe("kernels-simd x2");
    expect(two.threads).toBe(2);
  });

  it("refuses relaxed SIMD when the engine lacks it, with the reason", async () => {
    const { relaxedSimdSupported } = await import("@attnscope/kernels");
    if (relaxedSimdSupported()) return;
    await expect(createKernelsBackend({ relaxed: true })).rejects.toThrow(/--experimental-wasm-relaxed-simd/);
  });

  it("checks lengths like the reference backend", async () => {
    const b = track(await createKernelsBackend({ threads: 1 }));
    expect(() => b.matmul(new Float32Array(5), new Float32Array(6), 2, 3, 2)).toThrow(
      /matmul A: expected 6 elements, got 5/,
    );
    expect(() => b.attnScores(new Float32Array(8), new Float32Array(4), 2, 1, 1, 4, 1, 0)).toThrow(
      /2 queries against 1 keys/,
    );
    expect(() => b.causalSoftmax(new Float32Array(4), 1, 2, 2, new Float32Array(3))).toThrow(
      /out has 3 elements, expected 4/,
    );
    for (const be of [b, tsBackend]) {
      expect(() => be.matmul(new Float32Array(6), new Float32Array(6), 2, 3, 2, { addA: new Float32Array(5) })).toThrow(
        /matmul addA: expected 6 elements, got 5/,
      );
      expect(() =>
        be.matmul(new Float32Array(6), new Float32Array(6), 2, 3, 2, { addA: new Float32Array(6), transA: true }),
      ).toThrow(/addA cannot be combined with transA/);
    }
  });

  it("sees in-place weight updates (an optimiser step) instead of a stale copy", async () => {
    const b = track(await createKernelsBackend({ threads: 1 }));
    const x = Float32Array.from([1, 2]);
    const w = Float32Array.from([1, 0, 0, 1]);
    expect([...b.matmul(x, w, 1, 2, 2)]).toEqual([1, 2]);
    for (let i = 0; i < w.length; i++) w[i] *= 3;
    expect([...b.matmul(x, w, 1, 2, 2)]).toEqual([3, 6]);
    // A new view on the same bytes reuses the copy.
    expect([...b.matmul(x, w.subarray(0), 1, 2, 2)]).toEqual([3, 6]);
  });
});
