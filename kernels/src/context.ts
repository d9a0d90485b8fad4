// One kernels instance: a WebAssembly.Memory, the compiled module instantiated on it, a heap over it and,
// when threads are on, a worker pool sharing the memory. Ops take byte pointers into that memory and split
// their work (columns, heads, rows or vocabulary ranges) across the host thread and the workers.
import { wasmBase64 } from "./generated/wasm-binaries.js";
import {
  decodeBase64,
  hardwareThreads,
  isNode,
  relaxedSimdSupported,
  sharedMemorySupported,
  simdSupported,
} from "./features.js";
import { Heap, type HeapStats } from "./heap.js";
import { WorkerPool, type ExportName } from "./threads.js";

export interface KernelsOptions {
  /** Number of compute threads including the calling one; "auto" = min(2, cores) when memory can be shared. */
  threads?: number | "auto";
  /** Use the relaxed-SIMD build (fused multiply-add); "auto" = when the engine validates it. */
  relaxed?: boolean | "auto";
  /**
   * Multiply-adds below which an op runs on the calling thread alone (waking a worker costs microseconds).
   * Tests set 0 to split every op. @default 2000000
   */
  minSplitWork?: number;
}

interface Exports {
  gemm(
    a: number,
    aRs: number,
    aKs: number,
    b: number,
    bRs: number,
    bCs: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    bias: number,
    flags: number,
    causalOffset: number,
    pack: number,
  ): void;
  gemmPacked(
    a: number,
    lda: number,
    bp: number,
    panelBytes: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    j0: number,
    j1: number,
    bias: number,
    flags: number,
  ): void;
  packWeights(b: number, ldb: number, k: number, n: number, out: number, panelBytes: number): void;
  addInPlace(dst: number, src: number, n: number): void;
  packedWeightBytes(k: number, n: number): number;
  attnScores(
    q: number,
    k: number,
    out: number,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    maskValue: number,
    h0: number,
    h1: number,
    pack: number,
  ): void;
  causalSoftmax(src: number, dst: number, rowStart: number, rows: number, tq: number, tk: number): void;
  attnPattern(
    q: number,
    k: number,
    out: number,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    h0: number,
    h1: number,
    pack: number,
  ): void;
  patternValue(
    p: number,
    v: number,
    z: number,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    h0: number,
    h1: number,
    pack: number,
  ): void;
  headResults(
    z: number,
    wO: number,
    out: number,
    t: number,
    nHeads: number,
    dHead: number,
    dModel: number,
    h0: number,
    h1: number,
    pack: number,
    wOPacked: number,
  ): void;
  unembedStats(
    x: number,
    wU: number,
    bU: number,
    t: number,
    dModel: number,
    vocab: number,
    v0: number,
    v1: number,
    targets: number,
    maxOut: number,
    sumOut: number,
    tgtOut: number,
    scratch: number,
    wUPacked: number,
  ): void;
  packBytes(k: number): number;
  attnScratchBytes(tk: number, dHead: number): number;
  unembedScratchBytes(dModel: number): number;
}

/** Counters of a context's memory traffic since it was created (see HeapStats); none depend on timing. */
export interface KernelsStats extends HeapStats {
  /** Current size of the memory in bytes. */
  memoryBytes: number;
  /** Times the typed-array views over the memory were rebuilt (after a growth; four views each time). */
  viewRebuilds: number;
}

export const GEMM_ACCUMULATE = 1;
export const GEMM_CAUSAL = 2;

/** Static data of the module lives below 32 KiB; worker control blocks follow; the heap starts at 64 KiB. */
const CTL_BASE = 32768;
const HEAP_BASE = 65536;
/** Below this many multiply-adds an op is not worth waking a worker for. */
const SPLIT_MIN_WORK = 2_000_000;

const moduleCache: Partial<Record<keyof typeof wasmBase64, WebAssembly.Module>> = {};

function compiled(name: keyof typeof wasmBase64): WebAssembly.Module {
  return (moduleCache[name] ??= new WebAssembly.Module(decodeBase64(wasmBase64[name]) as BufferSource));
}

export class KernelsContext {
  readonly heap: Heap;
  f32!: Float32Array;
  i32!: Int32Array;
  f64!: Float64Array;
  u8!: Uint8Array;
  private readonly ex: Exports;
  private viewRebuilds = 0;

  private constructor(
    readonly memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    readonly relaxed: boolean,
    private readonly pool: WorkerPool | null,
    private readonly minSplitWork: number,
  ) {
    this.ex = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
    this.refreshViews();
    this.heap = new Heap(memory, HEAP_BASE, () => this.refreshViews());
  }

  static async create(opts: KernelsOptions = {}): Promise<KernelsContext> {
    if (!simdSupported()) throw new Error("kernels: this JavaScript engine has no WebAssembly SIMD");
    const relaxedOk = relaxedSimdSupported();
    if (opts.relaxed === true && !relaxedOk) {
      throw new Error(
        "kernels: relaxed SIMD requested but this engine does not validate it " +
          "(Node 20 needs --experimental-wasm-relaxed-simd)",
      );
    }
    const relaxed = opts.relaxed === "auto" || opts.relaxed === undefined ? relaxedOk : opts.relaxed;
    const shareable = sharedMemorySupported();
    let threads =
      opts.threads === undefined || opts.threads === "auto"
        ? shareable
          ? Math.min(2, await hardwareThreadCount())
          : 1
        : Math.floor(opts.threads);
    if (!(threads >= 1)) throw new RangeError(`kernels: threads must be ≥ 1 or "auto", got ${opts.threads}`);
    if (threads > 1 && !shareable) {
      if (opts.threads !== undefined && opts.threads !== "auto") {
        throw new Error("kernels: threads > 1 needs SharedArrayBuffer (a cross-origin isolated page)");
      }
      threads = 1;
    }
    const shared = threads > 1;
    const memory = new WebAssembly.Memory(
      shared ? { initial: 2, maximum: 65536, shared: true } : { initial: 2, maximum: 65536 },
    );
    const module = compiled(relaxed ? (shared ? "relaxedShared" : "relaxed") : shared ? "simdShared" : "simd");
    const pool = shared ? await WorkerPool.start(threads - 1, module, memory, CTL_BASE) : null;
    return new KernelsContext(memory, module, relaxed, pool, opts.minSplitWork ?? SPLIT_MIN_WORK);
  }

  /** Compute threads in use, the calling one included. */
  get threads(): number {
    return 1 + (this.pool?.size ?? 0);
  }

  /** e.g. "kernels-simd", "kernels-relaxed-simd x2". */
  get name(): string {
    return `kernels-${this.relaxed ? "relaxed-simd" : "simd"}${this.threads > 1 ? ` x${this.threads}` : ""}`;
  }

  /** Views over the memory; rebuilt after every growth (a grown memory detaches or outgrows old views). */
  refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u8 = new Uint8Array(buf);
    this.viewRebuilds++;
  }

  /** Memory counters: growths, fresh and reused heap blocks, view rebuilds. */
  stats(): KernelsStats {
    return { ...this.heap.stats(), memoryBytes: this.memory.buffer.byteLength, viewRebuilds: this.viewRebuilds };
  }

  /** Per-thread packing scratch for a product with inner dimension k, for all threads. */
  packScratchBytes(k: number): number {
    return this.threads * this.ex.packBytes(k);
  }

  /** Per-thread scratch of attnPattern (packing + one head's K transposed), for all threads. */
  attnScratchBytes(tk: number, dHead: number): number {
    return this.threads * this.ex.attnScratchBytes(tk, dHead);
  }

  unembedScratchBytes(t: number, dModel: number): number {
    return this.threads * (this.ex.unembedScratchBytes(dModel) + align64(t * 4) + align64(t * 8));
  }

  dispose(): void {
    this.pool?.terminate();
  }

  /**
   * C = A·B (+ bias) over strided operands (see assembly/gemm.ts). Splits columns across threads.
   * `scratch` must hold packScratchBytes(k).
   */
  gemm(
    a: number,
    aRs: number,
    aKs: number,
    b: number,
    bRs: number,
    bCs: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    bias: number,
    flags: number,
    scratch: number,
  ): void {
    const units = Math.ceil(n / 8);
    const pb = this.ex.packBytes(k);
    this.run(units, this.parts(m * k * n, units), "gemm", (p, lo, hi) => {
      const j0 = lo * 8,
        j1 = Math.min(n, hi * 8);
      return [
        a,
        aRs,
        aKs,
        b + j0 * bCs * 4,
        bRs,
        bCs,
        c + j0 * 4,
        ldc,
        m,
        k,
        j1 - j0,
        bias ? bias + j0 * 4 : 0,
        flags,
        0,
        scratch + p * pb,
      ];
    });
  }

  /** dst[i] += src[i] for n floats. */
  addInPlace(dst: number, src: number, n: number): void {
    this.ex.addInPlace(dst, src, n);
  }

  /** Bytes of a k × n weight in the packed-panel layout (see packWeights). */
  packedWeightBytes(k: number, n: number): number {
    return this.ex.packedWeightBytes(k, n);
  }

  /**
   * Rewrites the row-major k × n matrix at `b` (row stride ldb) into the packed-panel layout at `out`: panels
   * of 8 columns, each k rows of 8 floats. gemmPacked then reads weights without packing them per call.
   * `rows` = [p0, kTotal] packs these k rows as rows p0.. of a kTotal-row matrix at `out` (its start), so a
   * large weight can be staged and packed a block of rows at a time.
   */
  packWeights(b: number, ldb: number, k: number, n: number, out: number, rows?: { p0: number; kTotal: number }): void {
    const kTotal = rows?.kTotal ?? k;
    this.ex.packWeights(b, ldb, k, n, out + (rows?.p0 ?? 0) * 32, kTotal * 32);
  }

  /**
   * C = A·B (+ bias) with B packed by packWeights (row-major A with row stride lda). Splits panels across
   * threads.
   */
  gemmPacked(
    a: number,
    lda: number,
    bp: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    bias: number,
    flags: number,
  ): void {
    const units = Math.ceil(n / 8);
    this.run(units, this.parts(m * k * n, units), "gemmPacked", (_p, lo, hi) => [
      a,
      lda,
      bp,
      k * 32,
      c,
      ldc,
      m,
      k,
      n,
      lo * 8,
      Math.min(n, hi * 8),
      bias,
      flags,
    ]);
  }

  attnScores(
    q: number,
    k: number,
    out: number,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    maskValue: number,
    h0: number,
    h1: number,
    scratch: number,
  ): void {
    const pb = this.ex.attnScratchBytes(tk, dHead);
    this.run(h1 - h0, this.parts((h1 - h0) * tq * tk * dHead, h1 - h0), "attnScores", (p, lo, hi) => [
      q,
      k,
      out + lo * tq * tk * 4,
      tq,
      tk,
      nHeads,
      dHead,
      scale,
      maskValue,
      h0 + lo,
      h0 + hi,
      scratch + p * pb,
    ]);
  }

  attnPattern(
    q: number,
    k: number,
    out: number,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    h0: number,
    h1: number,
    scratch: number,
  ): void {
    const pb = this.ex.attnScratchBytes(tk, dHead);
    this.run(h1 - h0, this.parts((h1 - h0) * tq * tk * dHead, h1 - h0), "attnPattern", (p, lo, hi) => [
      q,
      k,
      out + lo * tq * tk * 4,
      tq,
      tk,
      nHeads,
      dHead,
      scale,
      h0 + lo,
      h0 + hi,
      scratch + p * pb,
    ]);
  }

  /** Softmax of `rows` rows starting at global row `rowStart` of an [H, tq, tk] tensor; src/dst point at that row. */
  causalSoftmax(src: number, dst: number, rowStart: number, rows: number, tq: number, tk: number): void {
    this.run(rows, this.parts(rows * tk * 8, rows), "causalSoftmax", (_p, lo, hi) => [
      src + lo * tk * 4,
      dst + lo * tk * 4,
      rowStart + lo,
      hi - lo,
      tq,
      tk,
    ]);
  }

  patternValue(
    pattern: number,
    v: number,
    z: number,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    h0: number,
    h1: number,
    scratch: number,
  ): void {
    const pb = this.ex.packBytes(tk);
    this.run(h1 - h0, this.parts((h1 - h0) * tq * tk * dHead, h1 - h0), "patternValue", (p, lo, hi) => [
      pattern + lo * tq * tk * 4,
      v,
      z,
      tq,
      tk,
      nHeads,
      dHead,
      h0 + lo,
      h0 + hi,
      scratch + p * pb,
    ]);
  }

  /** Per-head z·W_O[h]; `wOPacked` when W_O is in the packed-panel layout as a [H·dHead, dModel] matrix. */
  headResults(
    z: number,
    wO: number,
    out: number,
    t: number,
    nHeads: number,
    dHead: number,
    dModel: number,
    scratch: number,
    wOPacked = false,
  ): void {
    const pb = this.ex.packBytes(dHead);
    this.run(nHeads, this.parts(t * nHeads * dHead * dModel, nHeads), "headResults", (p, lo, hi) => [
      z,
      wO,
      out,
      t,
      nHeads,
      dHead,
      dModel,
      lo,
      hi,
      scratch + p * pb,
      wOPacked ? 1 : 0,
    ]);
  }

  /**
   * Row-wise logsumexp and target logits of x·W_U + b_U without the [t, vocab] logits. Vocabulary ranges go
   * to different threads; their running (max, Σexp) pairs are merged here. Writes lse (f32[t]) and tgt (f32[t],
   * NaN where no target) at the given pointers. `scratch` must hold unembedScratchBytes(t, dModel).
   */
  unembedStats(
    x: number,
    wU: number,
    bU: number,
    t: number,
    dModel: number,
    vocab: number,
    targets: number,
    lse: number,
    tgt: number,
    scratch: number,
    wUPacked = false,
  ): void {
    const perThread = this.ex.unembedScratchBytes(dModel) + align64(t * 4) + align64(t * 8);
    const blocks = Math.ceil(vocab / 8);
    const parts = this.parts(t * dModel * vocab, blocks);
    const per = Math.ceil(blocks / parts);
    const used = Math.ceil(blocks / per);
    this.f32.fill(NaN, tgt / 4, tgt / 4 + t);
    const stat = (p: number) => {
      const base = scratch + p * perThread;
      return { maxP: base, sumP: base + align64(t * 4), work: base + align64(t * 4) + align64(t * 8) };
    };
    this.run(blocks, parts, "unembedStats", (p, lo, hi) => {
      const s = stat(p);
      return [
        x,
        wU,
        bU,
        t,
        dModel,
        vocab,
        lo * 8,
        Math.min(vocab, hi * 8),
        targets,
        s.maxP,
        s.sumP,
        tgt,
        s.work,
        wUPacked ? 1 : 0,
      ];
    });
    const f32 = this.f32,
      f64 = this.f64;
    for (let r = 0; r < t; r++) {
      let m = -Infinity;
      for (let p = 0; p < used; p++) m = Math.max(m, f32[stat(p).maxP / 4 + r]);
      let s = 0;
      for (let p = 0; p < used; p++) {
        const mp = f32[stat(p).maxP / 4 + r];
        const sp = f64[stat(p).sumP / 8 + r];
        if (sp > 0) s += sp * Math.exp(mp - m);
      }
      f32[lse / 4 + r] = m + Math.log(s);
    }
  }

  /** How many threads an op of this size should use, given `units` indivisible pieces of work. */
  private parts(flops: number, units: number): number {
    if (!this.pool || flops < this.minSplitWork) return 1;
    return Math.max(1, Math.min(this.threads, units));
  }

  /** Runs an export over `parts` contiguous ranges of [0, units): workers take ranges 1.., the caller range 0. */
  private run(
    units: number,
    parts: number,
    fn: ExportName,
    argsFor: (part: number, lo: number, hi: number) => number[],
  ): void {
    const f = this.ex[fn] as unknown as (...a: number[]) => void;
    if (parts === 1) {
      f(...argsFor(0, 0, units));
      return;
    }
    const per = Math.ceil(units / parts);
    for (let p = 1; p < parts; p++) {
      this.pool!.post(p - 1, fn, argsFor(p, Math.min(units, p * per), Math.min(units, (p + 1) * per)));
    }
    f(...argsFor(0, 0, Math.min(units, per)));
    for (let p = 1; p < parts; p++) this.pool!.wait(p - 1);
  }
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

async function hardwareThreadCount(): Promise<number> {
  if (isNode()) {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return hardwareThreads();
}
