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
 * Hands a model's matrices multiplied on the right (W_Q, W_K, W_V, W_O, W_in, W_out, W_U: all but 1% of a
 * GPT-2's operand bytes) to `backend`, which must implement `holdWeights`, one at a time as they are extracted
 * (`take`, for `extractWeights`): each is in kernels memory before the next is read, and its stand-in takes
 * its place. The rest stays in JavaScript arrays: the lookup tables W_E [V, D] and W_pos [N, D] (the embedding
 * reads their rows) and the biases and LayerNorm parameters (read by JavaScript in places, and under a
 * megabyte). `finish` copies those that are views into a larger buffer (a whole weights file read at once)
 * out of it, so that buffer can be freed.
 */
export function weightHolder(
  cfg: HookedTransformerConfig,
  backend: Backend,
): { take(s: ParamSpec, data: Float32Array): Float32Array; finish(w: ModelWeights): HeldWeights } {
  const specs: ParamSpec[] = [];
  const standIns = new Set<Float32Array>();
  let elements = 0;
  return {
    take(s, data) {
      const rhs = rhsShape(cfg, s);
      if (!rhs) return data;
      const [standIn] = backend.holdWeights!([{ data, rhs }]);
      specs.push(s);
      standIns.add(standIn);
      elements += data.length;
      return standIn;
    },
    finish(w) {
      for (const s of trainableParams(cfg)) {
        const a = paramArray(w, s);
        if (a.buffer.byteLength > a.byteLength) setParamArray(w, s, a.slice());
      }
      return { backend, specs, standIns, reads: new WeakMap(), elements };
    },
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
