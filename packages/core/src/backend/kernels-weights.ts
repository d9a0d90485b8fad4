import type { KernelsContext } from "@attnscope/kernels";

/**
 * Weights copied into kernels memory once (from the second time they are seen: an array passed only once,
 * such as an activation in a weight's place during training, gets a temporary block instead of a slot), keyed by the identity of the bytes they come from (underlying
 * buffer + byte offset + length, so a fresh `subarray` of the same weights still hits). A 64-sample
 * fingerprint is checked on every use: arrays updated in place (an optimiser step) are copied again
 * instead of silently going stale. Slots are freed when their buffer is garbage-collected, or on `forget`.
 */
interface Slot {
  ptr: number;
  fingerprint: Float32Array;
}

const SAMPLES = 64;

export class WeightCache {
  private readonly byBuffer = new WeakMap<ArrayBufferLike, Map<string, Slot>>();
  private readonly live = new Set<Map<string, Slot>>();
  private readonly registry: FinalizationRegistry<Map<string, Slot>>;
  /** Arrays seen once, by buffer then offset:length; a second sighting makes them cached weights. */
  private readonly seen = new WeakMap<ArrayBufferLike, Set<string>>();
  private disposed = false;

  constructor(private readonly ctx: KernelsContext) {
    this.registry = new FinalizationRegistry((slots) => {
      if (this.disposed || !this.live.has(slots)) return;
      this.live.delete(slots);
      for (const s of slots.values()) this.ctx.heap.release(s.ptr);
    });
  }

  /**
   * Byte pointer to a copy of `a` in kernels memory. `temporary` is true for an array seen for the first
   * time: its copy is a plain heap block the caller must `release` after the op.
   */
  acquire(a: Float32Array): { ptr: number; temporary: boolean } {
    const key = `${a.byteOffset}:${a.length}`;
    const slots = this.byBuffer.get(a.buffer);
    if (!slots?.has(key)) {
      let keys = this.seen.get(a.buffer);
      if (!keys?.has(key)) {
        if (!keys) this.seen.set(a.buffer, (keys = new Set()));
        keys.add(key);
        const ptr = this.ctx.heap.alloc(a.length * 4);
        this.ctx.f32.set(a, ptr / 4);
        return { ptr, temporary: true };
      }
    }
    return { ptr: this.pointer(a), temporary: false };
  }

  /** True when `a` already has a kept copy in kernels memory. */
  has(a: Float32Array): boolean {
    return this.byBuffer.get(a.buffer)?.has(`${a.byteOffset}:${a.length}`) ?? false;
  }

  release(h: { ptr: number; temporary: boolean }): void {
    if (h.temporary) this.ctx.heap.release(h.ptr);
  }

  /** Byte pointer to a cached copy of `a`, copying it (again) only when new or changed. */
  pointer(a: Float32Array): number {
    let slots = this.byBuffer.get(a.buffer);
    if (!slots) {
      slots = new Map();
      this.byBuffer.set(a.buffer, slots);
      this.live.add(slots);
      this.registry.register(a.buffer, slots);
    }
    const key = `${a.byteOffset}:${a.length}`;
    let slot = slots.get(key);
    if (slot && sameFingerprint(a, slot.fingerprint)) return slot.ptr;
    if (!slot) {
      slot = { ptr: this.ctx.heap.alloc(a.length * 4), fingerprint: new Float32Array(SAMPLES) };
      slots.set(key, slot);
    }
    this.ctx.f32.set(a, slot.ptr / 4);
    takeFingerprint(a, slot.fingerprint);
    return slot.ptr;
  }

  /** Drops the copies of `a` (all arrays sharing its buffer), or of everything when called without one. */
  forget(a?: Float32Array): void {
    const maps = a ? [this.byBuffer.get(a.buffer)].filter((m): m is Map<string, Slot> => !!m) : [...this.live];
    for (const slots of maps) {
      for (const s of slots.values()) this.ctx.heap.release(s.ptr);
      slots.clear();
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}

function sampleIndex(i: number, n: number): number {
  return n <= SAMPLES ? Math.min(i, n - 1) : Math.floor((i * (n - 1)) / (SAMPLES - 1));
}

function takeFingerprint(a: Float32Array, fp: Float32Array): void {
  for (let i = 0; i < SAMPLES; i++) fp[i] = a.length ? a[sampleIndex(i, a.length)] : 0;
}

function sameFingerprint(a: Float32Array, fp: Float32Array): boolean {
  for (let i = 0; i < SAMPLES; i++) {
    const x = a.length ? a[sampleIndex(i, a.length)] : 0;
    if (x !== fp[i] && !(Number.isNaN(x) && Number.isNaN(fp[i]))) return false;
  }
  return true;
}
