// Load-time feature detection: which kernels build this engine can run, and whether threads can share memory.

// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

// (func (param v128) (result v128) local.get 0 local.get 0 f32x4.add)
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01,
  0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xe4, 0x01, 0x0b,
]);

export function wasmAvailable(): boolean {
  return typeof WebAssembly === "object" && typeof WebAssembly.validate === "function";
}

/** True when the engine runs WebAssembly fixed-width SIMD (every current browser, Node ≥ 16). */
export function simdSupported(): boolean {
  return wasmAvailable() && WebAssembly.validate(SIMD_PROBE);
}

/** True when the engine runs relaxed SIMD (Chromium ≥ 114; Node 20 only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  return wasmAvailable() && WebAssembly.validate(RELAXED_PROBE);
}

/**
 * True when a shared WebAssembly.Memory can be created and handed to workers: always in Node, and in
 * browsers only on cross-origin isolated pages.
 */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) return true;
  if (g.crossOriginIsolated !== true) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

export function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  return !!g.process?.versions?.node;
}

export function hardwareThreads(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  const n = g.navigator?.hardwareConcurrency;
  return typeof n === "number" && n > 0 ? n : 1;
}

export function decodeBase64(b64: string): Uint8Array {
  const g = globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } };
  if (g.Buffer) {
    const buf = g.Buffer.from(b64, "base64");
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
