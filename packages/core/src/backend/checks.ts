/** Argument checks every backend makes (the reference one included), so a wrong length fails with the op's name, not deep in a loop. */
export function checkLen(a: ArrayLike<number>, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(`${what}: expected ${n} elements, got ${a.length}`);
}

/** `out` when given (it must have exactly `n` elements), else a new array. */
export function checkedOut(out: Float32Array | undefined, n: number, op: string): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) throw new RangeError(`${op}: out has ${out.length} elements, expected ${n}`);
  return out;
}

/** matmul's `addA`: the same length as A (m·k), and only on an untransposed A. */
export function checkAddA(addA: Float32Array, transA: boolean, n: number): void {
  if (transA) throw new RangeError("matmul: addA cannot be combined with transA");
  checkLen(addA, n, "matmul addA");
}

/** unembedStats' operands: x [t, dModel], W_U [dModel, vocab], b_U [vocab], targets [t]. */
export function checkUnembedStats(
  x: Float32Array,
  wU: Float32Array,
  bU: Float32Array,
  targets: Int32Array,
  t: number,
  dModel: number,
  vocab: number,
): void {
  checkLen(x, t * dModel, "unembedStats x");
  checkLen(wU, dModel * vocab, "unembedStats W_U");
  checkLen(bU, vocab, "unembedStats b_U");
  checkLen(targets, t, "unembedStats targets");
}

/** Causal attention over a key prefix: the Tq queries are the last Tq of the Tk positions. */
export function checkCausal(tq: number, tk: number, op: string): void {
  if (tq > tk)
    throw new RangeError(`${op}: ${tq} queries against ${tk} keys; queries must be the last Tq ≤ Tk positions`);
}

/** q [tq, H, dHead] and k [tk, H, dHead] of a causal attention op. */
export function checkAttn(
  q: Float32Array,
  k: Float32Array,
  tq: number,
  tk: number,
  nHeads: number,
  dHead: number,
  op: string,
): void {
  checkLen(q, tq * nHeads * dHead, `${op} q`);
  checkLen(k, tk * nHeads * dHead, `${op} k`);
  checkCausal(tq, tk, op);
}
