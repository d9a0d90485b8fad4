import { ACTIVATION_FNS, type ActivationFn } from "./backend.js";

/** Argument checks every backend makes (the reference one included), so a wrong length fails with the op's name, not deep in a loop. */
export function checkLen(a: { readonly length: number }, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(`${what}: expected ${n} elements, got ${a.length}`);
}

/**
 * An operand as far as the length checks go: an array, or a weight a backend holds in its own memory (whose
 * stand-in is empty), given by its true element count.
 */
export type Sized = { readonly length: number };

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
  wU: Sized,
  bU: Sized,
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

/** layerNorm's operands: x [rows, d], w and b [d] (both or neither), outputs [rows, d] and [rows]. */
export function checkLayerNorm(
  x: Float32Array,
  rows: number,
  d: number,
  eps: number,
  w: Sized | undefined,
  b: Sized | undefined,
): void {
  checkLen(x, rows * d, "layerNorm x");
  if (!(eps >= 0) || !Number.isFinite(eps))
    throw new RangeError(`layerNorm: eps must be a finite number ≥ 0, got ${eps}`);
  if (!w !== !b) throw new RangeError("layerNorm: give both w and b (LayerNorm) or neither (LayerNormPre)");
  if (w) checkLen(w, d, "layerNorm w");
  if (b) checkLen(b, d, "layerNorm b");
}

/** The activation's name, one of ACTIVATION_FNS; its index for backends that dispatch on a number. */
export function activationIndex(fn: string): number {
  const i = ACTIVATION_FNS.indexOf(fn as ActivationFn);
  if (i < 0)
    throw new RangeError(`activation: unknown function ${JSON.stringify(fn)} (known: ${ACTIVATION_FNS.join(", ")})`);
  return i;
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
