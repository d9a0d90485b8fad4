/** Tolerance checks against goldens: TransformerLens's float32 tolerance, 1e-4 × max(1, max |golden|). */
import { expect } from "vitest";

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Largest |a − b|; equal infinities (the -inf above the causal diagonal) are equal, other mismatches Infinity. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const d = Math.abs(a[i] - b[i]);
    m = Math.max(m, Number.isNaN(d) ? Infinity : d);
  }
  return m;
}

/** Expect `ours` within `tol` × max(1, max |golden|) of `golden`, naming `what` when not. */
export function expectClose(ours: ArrayLike<number>, golden: ArrayLike<number>, what: string, tol = 1e-4): void {
  const bound = tol * Math.max(1, maxAbs(golden));
  const diff = maxDiff(ours, golden);
  expect(diff, `${what} differs by ${diff} (tolerance ${bound})`).toBeLessThanOrEqual(bound);
}
