import type { KernelsContext } from "@attnscope/kernels";

/** Views kept at most; an arena's op outputs need a handful per shape, so this is never reached in a steady state. */
const MAX_VIEWS = 256;

/**
 * Float32Array views over the kernels' memory, one per (byte pointer, length), made once and reused. Every op
 * copies its result out of the arena through such a view; with the arena at a fixed place a steady-state run
 * asks for the same few views every time, so it allocates no typed-array objects at all. The views are
 * dropped when the memory grows (a grown memory detaches or outgrows them).
 */
export class KernelsViews {
  private buffer: ArrayBufferLike | null = null;
  private readonly byPtr = new Map<number, Map<number, Float32Array>>();
  private count = 0;
  /** Views made so far (a counter for tests of the steady state). */
  created = 0;

  constructor(private readonly ctx: KernelsContext) {}

  /** `n` floats of kernels memory from byte pointer `ptr` (64-byte aligned, as every arena offset is). */
  f32(ptr: number, n: number): Float32Array {
    const buffer = this.ctx.f32.buffer;
    if (buffer !== this.buffer || this.count >= MAX_VIEWS) {
      this.byPtr.clear();
      this.count = 0;
      this.buffer = buffer;
    }
    let lengths = this.byPtr.get(ptr);
    const hit = lengths?.get(n);
    if (hit) return hit;
    if (!lengths) this.byPtr.set(ptr, (lengths = new Map()));
    const view = new Float32Array(buffer, ptr, n);
    lengths.set(n, view);
    this.count++;
    this.created++;
    return view;
  }
}
