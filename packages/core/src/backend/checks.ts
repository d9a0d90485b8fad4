/** Argument checks every backend makes, so a wrong length fails with the op's name, not deep in a loop. */
export function checkLen(a: ArrayLike<number>, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(`${what}: expected ${n} elements, got ${a.length}`);
}

/** `out` when given (it must have exactly `n` elements), else a new array. */
export function checkedOut(out: Float32Array | undefined, n: number, op: string): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) throw new RangeError(`${op}: out has ${out.length} elements, expected ${n}`);
  return out;
}
