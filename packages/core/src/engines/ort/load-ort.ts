/**
 * Which onnxruntime runs the graphs: onnxruntime-node in Node; in browsers and workers onnxruntime-web with
 * the WebGPU execution provider when `navigator.gpu` gives an adapter, its wasm backend otherwise. Neither is
 * a dependency of the core: install the one you use (or pass the module yourself).
 */

/** The part of onnxruntime's API (node and web alike) the engine uses. */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: "int64" | "float32", data: BigInt64Array | Float32Array, dims: readonly number[]) => OrtTensor;
  env?: { wasm?: { numThreads?: number; wasmPaths?: unknown; simd?: boolean } };
}

export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface LoadOrtOptions {
  /** An onnxruntime module to use as it is (`await import("onnxruntime-web/webgpu")`, …). */
  ort?: OrtModule;
  /** Execution providers, e.g. `["wasm"]` to keep off WebGPU. @default cpu in Node; webgpu or wasm in browsers */
  executionProviders?: readonly string[];
  /** Threads: onnxruntime-node's intra-op threads, onnxruntime-web's wasm threads (needs cross-origin isolation). */
  threads?: number;
  /** onnxruntime-web's `env.wasm.wasmPaths`: where its .wasm / .mjs files are served (Vite apps point it at the package's own files). */
  wasmPaths?: string | Record<string, string>;
}

export interface LoadedOrt {
  ort: OrtModule;
  /** "ort-node cpu", "ort-web wasm x2", "ort-web webgpu", … */
  name: string;
  sessionOptions: Record<string, unknown>;
  /** Why the provider is not the first choice (e.g. no WebGPU adapter), null when it is. */
  warning: string | null;
}

const inNode = () =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

async function webGpuAdapter(): Promise<string | null> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return "no navigator.gpu";
  try {
    return (await gpu.requestAdapter()) ? null : "navigator.gpu gives no adapter";
  } catch (e) {
    return `navigator.gpu.requestAdapter failed: ${(e as Error).message}`;
  }
}

function needs(pkg: string, e: unknown): Error {
  return new Error(`the ort engine needs ${pkg} (npm install ${pkg}): ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });
}

export async function loadOrt(opts: LoadOrtOptions = {}): Promise<LoadedOrt> {
  const threads = opts.threads;
  const x = threads && threads > 1 ? ` x${threads}` : "";
  const node = inNode();
  let warning: string | null = null;
  let eps = opts.executionProviders;
  if (!eps && !node) {
    const noGpu = await webGpuAdapter();
    eps = noGpu ? ["wasm"] : ["webgpu"];
    // Without a GPU the wasm backend is the expected path, not news; only a failing adapter request is.
    if (noGpu?.startsWith("navigator.gpu.requestAdapter failed")) warning = `WebGPU unavailable: ${noGpu}; using wasm`;
  }
  eps ??= ["cpu"];
  let ort = opts.ort;
  if (!ort && node) {
    // Not a literal import: bundlers building for browsers must not follow it into the native binding.
    const pkg = "onnxruntime-node";
    ort = (await import(/* @vite-ignore */ pkg).catch((e) => Promise.reject(needs(pkg, e)))) as OrtModule;
  } else if (!ort) {
    const web = eps.includes("webgpu") ? import("onnxruntime-web/webgpu") : import("onnxruntime-web/wasm");
    ort = (await web.catch((e) => Promise.reject(needs("onnxruntime-web", e)))) as unknown as OrtModule;
  }
  const nodeBinding = node && !opts.ort;
  if (!nodeBinding && ort.env?.wasm) {
    if (threads) ort.env.wasm.numThreads = threads;
    if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
  }
  const flavor = nodeBinding ? "ort-node" : opts.ort ? "ort" : "ort-web";
  return {
    ort,
    name: `${flavor} ${eps.join("+")}${x}`,
    sessionOptions: {
      executionProviders: [...eps],
      graphOptimizationLevel: "all",
      ...(nodeBinding && threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    },
    warning,
  };
}
