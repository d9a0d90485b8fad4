/**
 * A model's weights handed over to a backend that keeps them in its own memory (the kernels: in WebAssembly
 * memory, packed for X·W), so they are held once rather than as a JavaScript array and a backend copy.
 * The model keeps the backend's stand-ins in the weights' places; the weight views read the weights back.
 *
 * Dimension legend: V d_vocab, N n_ctx, D d_model.
 */
import type { Backend } from "../backend/backend.js";
import type { HookedTransformerConfig } from "../config.js";
import { paramArray, rhsShape, setParamArray, trainableParams, type ParamSpec } from "../architecture/params.js";
import type { ModelWeights } from "./model-weights.js";

/** The weights a backend holds for one model: which parameters, and the backend that can read them back. */
export interface HeldWeights {
  backend: Backend;
  specs: ParamSpec[];
  /** The stand-ins in the weights' places. */
  standIns: Set<Float32Array>;
  /** The last copy read back per stand-in, while someone still holds it: repeated views reuse it. */
  reads: WeakMap<Float32Array, WeakRef<Float32Array>>;
  /** Elements held by the backend, in all. */
  elements: number;
}

/**
 * Hands `w`'s matrices multiplied on the right (W_Q, W_K, W_V, W_O, W_in, W_out, W_U: all but 1% of a GPT-2's
 * operand bytes) to `backend`, which must implement `holdWeights`, and puts its stand-ins in their places.
 * The rest stays in JavaScript arrays: the lookup tables W_E [V, D] and W_pos [N, D] (the embedding reads
 * their rows) and the biases and LayerNorm parameters (read by JavaScript in places, and under a megabyte).
 * Those that are views into a larger buffer (a whole weights file read at once) are copied out of it, so
 * that buffer can be freed once the matrices have left it.
 */
export function holdWeights(cfg: HookedTransformerConfig, w: ModelWeights, backend: Backend): HeldWeights {
  const all = trainableParams(cfg);
  const specs = all.filter((s) => rhsShape(cfg, s) !== null);
  const arrays = specs.map((s) => paramArray(w, s));
  const standIns = backend.holdWeights!(specs.map((s, i) => ({ data: arrays[i], rhs: rhsShape(cfg, s)! })));
  specs.forEach((s, i) => setParamArray(w, s, standIns[i]));
  for (const s of all) {
    const a = paramArray(w, s);
    if (a.buffer.byteLength > a.byteLength) setParamArray(w, s, a.slice());
  }
  return {
    backend,
    specs,
    standIns: new Set(standIns),
    reads: new WeakMap(),
    elements: arrays.reduce((n, a) => n + a.length, 0),
  };
}

/** Reads every held weight back into a JavaScript array in its place (before the model changes backend). */
export function unholdWeights(w: ModelWeights, held: HeldWeights): void {
  for (const s of held.specs) setParamArray(w, s, held.backend.readWeight!(paramArray(w, s)));
}

/** `a` itself, or a row-major copy of the weight it stands for when a backend holds it. */
export function readHeld(held: HeldWeights | null, a: Float32Array): Float32Array {
  if (!held?.standIns.has(a)) return a;
  const last = held.reads.get(a)?.deref();
  if (last) return last;
  const read = held.backend.readWeight!(a);
  held.reads.set(a, new WeakRef(read));
  return read;
}
