/**
 * Float32Arrays the model allocated for its own intermediate activations (q, k, v, z, the residual stream)
 * that nothing outside it ever received, kept for reuse by later runs. A fresh large array costs page faults
 * and zeroing, and dead ones pile up until a garbage collection frees them; a live-typing or benchmark loop
 * that reuses the same few buffers runs at a steady speed instead of slowing down between collections.
 *
 * Arrays come back with stale contents: a caller must overwrite every element it takes.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private bytes = 0;

  /** @param maxBytes Arrays given back beyond this many pooled bytes are left to the garbage collector. */
  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /** An array of exactly `n` elements, reused when one is free (contents unspecified). */
  take(n: number): Float32Array {
    const a = this.free.get(n)?.pop();
    if (a) {
      this.bytes -= a.byteLength;
      return a;
    }
    return new Float32Array(n);
  }

  /** Returns an array taken from this pool; the caller must hold no reference to it afterwards. */
  give(a: Float32Array): void {
    if (this.bytes + a.byteLength > this.maxBytes) return;
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    if (list.includes(a)) throw new Error("BufferPool: array given back twice");
    list.push(a);
    this.bytes += a.byteLength;
  }

  /** Bytes currently held for reuse. */
  get pooledBytes(): number {
    return this.bytes;
  }
}
