// First-fit allocator over one WebAssembly.Memory. Long-lived blocks (weights) and the reusable activation
// arena both come from here; freed blocks are coalesced and reused, so the memory only grows to the
// high-water mark of what is alive at once and repeated runs of the same shapes never grow it.

const ALIGN = 64;
const PAGE = 65536;

interface Block {
  ptr: number;
  size: number;
}

/**
 * What the heap has done since it was created, for tests and diagnostics that must not depend on timing: a
 * steady-state run should neither grow the memory nor take blocks from fresh (never touched) memory.
 */
export interface HeapStats {
  /** `WebAssembly.Memory.grow` calls, and the bytes they added. */
  grows: number;
  grownBytes: number;
  /** Blocks carved from the top of the heap (memory no block used before), and their bytes. */
  freshAllocs: number;
  freshBytes: number;
  /** Blocks served from freed memory. */
  reusedAllocs: number;
  releases: number;
}

export class Heap {
  private free: Block[] = [];
  private top: number;
  private readonly sizes = new Map<number, number>();
  private readonly counts: HeapStats = {
    grows: 0,
    grownBytes: 0,
    freshAllocs: 0,
    freshBytes: 0,
    reusedAllocs: 0,
    releases: 0,
  };

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly onGrow: () => void,
  ) {
    this.top = align(base);
  }

  /** Bytes from the heap base to the highest block ever handed out. */
  get highWater(): number {
    return this.top;
  }

  /** A snapshot of the counters (see HeapStats). */
  stats(): HeapStats {
    return { ...this.counts };
  }

  alloc(bytes: number): number {
    const size = align(Math.max(bytes, ALIGN));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1);
        else {
          b.ptr += size;
          b.size -= size;
        }
        this.sizes.set(ptr, size);
        this.counts.reusedAllocs++;
        return ptr;
      }
    }
    // Nothing free fits: take from the top, merging a free block that ends at the top.
    let ptr = this.top;
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) {
      ptr = last.ptr;
      this.free.pop();
    }
    this.ensure(ptr + size);
    this.counts.freshAllocs++;
    this.counts.freshBytes += ptr + size - this.top; // a free block ending at the top is reused, the rest is new
    this.top = Math.max(this.top, ptr + size);
    this.sizes.set(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`kernels heap: release of unknown block ${ptr}`);
    this.sizes.delete(ptr);
    this.counts.releases++;
    // Insert sorted by address and coalesce with neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, size });
    if (i + 1 < this.free.length && ptr + size === this.free[i + 1].ptr) {
      this.free[i].size += this.free[i + 1].size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].ptr + this.free[i - 1].size === ptr) {
      this.free[i - 1].size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > 4 * 1024 * 1024 * 1024) {
      throw new RangeError(`kernels heap: ${(end / 2 ** 30).toFixed(2)} GiB needed, above the 4 GiB wasm32 limit`);
    }
    const pages = Math.ceil((end - have) / PAGE);
    this.memory.grow(pages);
    this.counts.grows++;
    this.counts.grownBytes += pages * PAGE;
    this.onGrow();
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
