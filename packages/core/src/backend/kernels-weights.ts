import type { KernelsContext } from "@attnscope/kernels";

/**
 * Weights copied into kernels memory once, keyed by the identity of the bytes they come from (underlying
 * buffer + byte offset + length, so a fresh `subarray` of the same weights still hits). An array is kept from
 * the second time it is seen — one passed only once, such as an activation in a weight's place during
 * training, gets a temporary block instead of a slot — or from its first use when a model declared it a
 * weight up front (`markSeen`). A 64-sample
 * fingerprint is checked on every use: arrays updated in place (an optimiser step) are copied again
 * instead of silently going stale. Slots are freed when their buffer is garbage-collected, or on `forget`.
 */
interface Slot {
  ptr: number;
  fingerprint: Float32Array;
}

/**
 * How a weight is laid out in kernels memory: as given (row-major), or — for the right-hand side of X·W
 * products — rewritten once as a k × n matrix in the kernels' packed-panel layout, so products stream it
 * without packing it on every call.
 */
export type WeightLayout = "rows" | { packed: { k: number; n: number } };

/** A weight's copy for one op: `packed` tells which layout it has (a first sighting stays row-major). */
export interface WeightHandle {
  ptr: number;
  temporary: boolean;
  packed: boolean;
}

function slotKey(a: Float32Array, layout: WeightLayout): string {
  return layout === "rows"
    ? `${a.byteOffset}:${a.length}`
    : `${a.byteOffset}:${a.length}:p${layout.packed.k}x${layout.packed.n}`;
}

/** A weight handed over to kernels memory (`hold`): the only copy there is, found by its stand-in. */
interface Held {
  ptr: number;
  layout: WeightLayout;
  /** Elements of the weight (k·n for a packed one). */
  length: number;
  bytes: number;
}

function describeLayout(layout: WeightLayout): string {
  return layout === "rows" ? "row-major" : `packed as ${layout.packed.k} × ${layout.packed.n}`;
}

function sameLayout(a: WeightLayout, b: WeightLayout): boolean {
  if (a === "rows" || b === "rows") return a === b;
  return a.packed.k === b.packed.k && a.packed.n === b.packed.n;
}

const SAMPLES = 64;
/** Largest block of rows staged at once while packing a weight. */
const STAGE_BYTES = 4 * 1024 * 1024;

export class WeightCache {
  private readonly byBuffer = new WeakMap<ArrayBufferLike, Map<string, Slot>>();
  private readonly live = new Set<Map<string, Slot>>();
  private readonly registry: FinalizationRegistry<Map<string, Slot>>;
  /** Arrays seen once, by buffer then offset:length; a second sighting makes them cached weights. */
  private readonly seen = new WeakMap<ArrayBufferLike, Set<string>>();
  /** Weights handed over with `hold`, by their stand-in; freed when the stand-in is garbage-collected. */
  private readonly held = new WeakMap<Float32Array, Held>();
  private readonly heldRegistry: FinalizationRegistry<Held>;
  private disposed = false;
  /** Copies (or packings) of kept weights, and temporary blocks of arrays seen once, since creation. */
  copies = 0;
  temporaries = 0;
  /** Weights held (`hold`) and their bytes in kernels memory, now. */
  heldWeights = 0;
  heldBytes = 0;

  constructor(private readonly ctx: KernelsContext) {
    this.registry = new FinalizationRegistry((slots) => {
      if (this.disposed || !this.live.has(slots)) return;
      this.live.delete(slots);
      for (const s of slots.values()) this.ctx.heap.release(s.ptr);
    });
    this.heldRegistry = new FinalizationRegistry((h) => {
      if (this.disposed) return;
      this.ctx.heap.release(h.ptr);
      this.heldWeights--;
      this.heldBytes -= h.bytes;
    });
  }

  /**
   * Takes `a` into kernels memory in `layout` for good and returns its stand-in: an empty Float32Array that
   * ops accept in the weight's place from then on. Nothing ties the copy to `a` any more, so the caller can
   * drop `a` and the weight is held once. The copy lives as long as the stand-in does; `read` gives it back.
   */
  hold(a: Float32Array, layout: WeightLayout = "rows"): Float32Array {
    const ptr = this.pointer(a, layout);
    // The slot becomes the held copy: no longer reachable through `a`'s buffer, nor freed with it.
    const slots = this.byBuffer.get(a.buffer)!;
    const key = slotKey(a, layout);
    const bytes = layout === "rows" ? a.length * 4 : this.ctx.packedWeightBytes(layout.packed.k, layout.packed.n);
    slots.delete(key);
    const standIn = new Float32Array(0);
    const h: Held = { ptr, layout, length: a.length, bytes };
    this.held.set(standIn, h);
    this.heldRegistry.register(standIn, h);
    this.heldWeights++;
    this.heldBytes += bytes;
    return standIn;
  }

  /** True when `a` is the stand-in of a held weight. */
  isHeld(a: Float32Array): boolean {
    return this.held.has(a);
  }

  /** Elements of the weight `a` stands for (a held weight's stand-in is empty), for the ops' length checks. */
  lengthOf(a: Float32Array): number {
    return this.held.get(a)?.length ?? a.length;
  }

  /** A new row-major copy of a held weight, from its stand-in (packed weights are unpacked). */
  read(standIn: Float32Array): Float32Array {
    const h = this.held.get(standIn);
    if (!h) throw new Error("read: this array is not a weight held in kernels memory");
    const f32 = this.ctx.f32;
    const base = h.ptr / 4;
    if (h.layout === "rows") return f32.slice(base, base + h.length);
    const { k, n } = h.layout.packed;
    const out = new Float32Array(k * n);
    // Panel s holds columns [8s, 8s + 8) as k rows of 8 floats.
    for (let j0 = 0; j0 < n; j0 += 8) {
      const w = Math.min(8, n - j0);
      const panel = base + j0 * k;
      for (let p = 0; p < k; p++) {
        const src = panel + p * 8,
          dst = p * n + j0;
        for (let j = 0; j < w; j++) out[dst + j] = f32[src + j];
      }
    }
    return out;
  }

  /**
   * A copy of `a` in kernels memory, in `layout` once it is a kept weight. `temporary` is true for an array
   * seen for the first time: its copy is a plain row-major heap block the caller must `release` after the op.
   */
  acquire(a: Float32Array, layout: WeightLayout = "rows"): WeightHandle {
    const h = this.held.get(a);
    if (h) {
      if (!sameLayout(h.layout, layout))
        throw new Error(
          `a weight held in kernels memory ${describeLayout(h.layout)} was passed where an op needs it ${describeLayout(layout)}`,
        );
      return { ptr: h.ptr, temporary: false, packed: layout !== "rows" };
    }
    const key = slotKey(a, layout);
    const slots = this.byBuffer.get(a.buffer);
    if (!slots?.has(key)) {
      // Sightings are counted per array whatever the layout asked for.
      const seenKey = slotKey(a, "rows");
      let keys = this.seen.get(a.buffer);
      if (!keys?.has(seenKey)) {
        if (!keys) this.seen.set(a.buffer, (keys = new Set()));
        keys.add(seenKey);
        const ptr = this.ctx.heap.alloc(a.length * 4);
        this.ctx.f32.set(a, ptr / 4);
        this.temporaries++;
        return { ptr, temporary: true, packed: false };
      }
    }
    return { ptr: this.pointer(a, layout), temporary: false, packed: layout !== "rows" };
  }

  /**
   * Treats `a` as already seen: its first use gets a kept copy (a model's weights, declared up front). Copies
   * made before are dropped, so a model built on weights edited in place never runs on the old values (the
   * fingerprint samples only 64 values and could miss an edit of a few rows).
   */
  markSeen(a: Float32Array): void {
    let keys = this.seen.get(a.buffer);
    if (!keys) this.seen.set(a.buffer, (keys = new Set()));
    const base = `${a.byteOffset}:${a.length}`;
    keys.add(base);
    const slots = this.byBuffer.get(a.buffer);
    if (!slots) return;
    for (const [key, slot] of [...slots]) {
      if (key !== base && !key.startsWith(`${base}:`)) continue;
      this.ctx.heap.release(slot.ptr);
      slots.delete(key);
    }
  }

  /** True when `a` already has a kept copy in kernels memory in this layout. */
  has(a: Float32Array, layout: WeightLayout = "rows"): boolean {
    const h = this.held.get(a);
    if (h) return sameLayout(h.layout, layout);
    return this.byBuffer.get(a.buffer)?.has(slotKey(a, layout)) ?? false;
  }

  release(h: { ptr: number; temporary: boolean }): void {
    if (h.temporary) this.ctx.heap.release(h.ptr);
  }

  /** Byte pointer to a cached copy of `a` in `layout`, copying it (again) only when new or changed. */
  pointer(a: Float32Array, layout: WeightLayout = "rows"): number {
    let slots = this.byBuffer.get(a.buffer);
    if (!slots) {
      slots = new Map();
      this.byBuffer.set(a.buffer, slots);
      this.live.add(slots);
      this.registry.register(a.buffer, slots);
    }
    const key = slotKey(a, layout);
    let slot = slots.get(key);
    if (slot && sameFingerprint(a, slot.fingerprint)) return slot.ptr;
    const ctx = this.ctx;
    if (!slot) {
      const bytes = layout === "rows" ? a.length * 4 : ctx.packedWeightBytes(layout.packed.k, layout.packed.n);
      slot = { ptr: ctx.heap.alloc(bytes), fingerprint: new Float32Array(SAMPLES) };
      slots.set(key, slot);
    }
    if (layout === "rows") {
      ctx.f32.set(a, slot.ptr / 4);
    } else {
      // Stage a block of rows at a time (a few MB, not a second copy of W_U) and rewrite it as panels.
      const { k, n } = layout.packed;
      const rows = Math.max(1, Math.min(k, Math.floor(STAGE_BYTES / (4 * n))));
      const stage = ctx.heap.alloc(rows * n * 4);
      for (let p0 = 0; p0 < k; p0 += rows) {
        const r = Math.min(rows, k - p0);
        ctx.f32.set(a.subarray(p0 * n, (p0 + r) * n), stage / 4);
        ctx.packWeights(stage, n, r, n, slot.ptr, { p0, kTotal: k });
      }
      ctx.heap.release(stage);
    }
    takeFingerprint(a, slot.fingerprint);
    this.copies++;
    return slot.ptr;
  }

  /**
   * Drops the copies of `a` (all arrays sharing its buffer), or of everything when called without one.
   * Held weights are not copies: they stay until their stand-ins are garbage-collected.
   */
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
