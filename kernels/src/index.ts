// @attnscope/kernels: AssemblyScript SIMD kernels behind a pointer-level API. The model-level adapter that
// turns them into a `Backend` over Float32Arrays lives in @attnscope/core.
export { KernelsContext, GEMM_ACCUMULATE, GEMM_CAUSAL } from "./context.js";
export type { KernelsOptions, KernelsStats } from "./context.js";
export { Heap } from "./heap.js";
export type { HeapStats } from "./heap.js";
export { relaxedSimdSupported, simdSupported, sharedMemorySupported, wasmAvailable } from "./features.js";

import { KernelsContext, type KernelsOptions } from "./context.js";

/** Instantiates the kernels: picks the plain or relaxed SIMD build and the thread count (see KernelsOptions). */
export function createKernels(opts: KernelsOptions = {}): Promise<KernelsContext> {
  return KernelsContext.create(opts);
}
