import { describe, expect, it } from "vitest";
import { createKernelsBackend, tsBackend, type Backend } from "../../src/index.js";

// H = 2 heads of Dh = 4; 3 queries against 2 keys is not a causal prefix.
const H = 2;
const Dh = 4;
const q3 = new Float32Array(3 * H * Dh);
const k2 = new Float32Array(2 * H * Dh);

function checksOf(be: Backend) {
  return [
    () => be.attnScores(q3, k2, 3, 2, H, Dh, 1, -Infinity),
    () => be.attnScores(q3, k2, 2, 2, H, Dh, 1, -Infinity), // q has 3 rows for tq = 2
    () => be.causalSoftmax(new Float32Array(H * 3 * 2), H, 3, 2),
  ];
}

describe("every backend runs every check in checks.ts", () => {
  it("the TypeScript reference and the kernels refuse the same bad attention arguments with the same message", async () => {
    const kernels = await createKernelsBackend({ threads: 1 });
    try {
      const messages = (be: Backend) =>
        checksOf(be).map((f) => {
          try {
            f();
          } catch (e) {
            return (e as Error).message;
          }
          return "accepted";
        });
      const ts = messages(tsBackend);
      expect(ts).toEqual([
        "attnScores: 3 queries against 2 keys; queries must be the last Tq ≤ Tk positions",
        `attnScores q: expected ${2 * H * Dh} elements, got ${3 * H * Dh}`,
        "causalSoftmax: 3 queries against 2 keys; queries must be the last Tq ≤ Tk positions",
      ]);
      expect(messages(kernels)).toEqual(ts);
    } finally {
      kernels.dispose();
    }
  });
});
