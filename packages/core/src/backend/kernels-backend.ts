import {
  createKernels,
  GEMM_ACCUMULATE,
  simdSupported,
  type KernelsContext,
  type KernelsStats,
} from "@attnscope/kernels";
import type {
  ActivationFn,
  Backend,
  HeldWeightSpec,
  LayerNormOptions,
  LayerNormResult,
  MatmulOptions,
} from "./backend.js";
import { WeightCache } from "./kernels-weights.js";
import { KernelsViews } from "./kernels-views.js";
import {
  activationIndex,
  checkAddA,
  checkAttn,
  checkCausal,
  checkLayerNorm,
  checkLen,
  checkUnembedStats,
  checkedOut,
  type Sized,
} from "./checks.js";

export interface KernelsBackendOptions {
  /** Compute threads including the calling one. "auto" (default): 2 when memory can be shared, else 1. */
  threads?: number | "auto";
  /** Relaxed-SIMD build (fused multiply-add). "auto" (default): when the engine supports it. */
  relaxed?: boolean | "auto";
  /** Work (multiply-adds) below which an op stays on one thread; tests set 0 to split every op. */
  minSplitWork?: number;
  /**
   * Row count from which `unembedStats` streams W_U through kernels memory in column blocks instead of
   * keeping a copy of it (154 MB for ARENA's model): long sequences amortise the copying, short ones reuse
   * the kept copy. @default 256
   */
  streamUnembedRows?: number;
}

/**
 * Counters of what a kernels backend has allocated since it was created. None depends on timing, so a test can
 * check that a steady state (the same run repeated, or a one-token append) allocates nothing new: snapshot
 * `stats()` before and after and compare.
 */
export interface KernelsBackendStats extends KernelsStats {
  /** Bytes of the activation arena, and how often it was replaced by a bigger one (a fresh heap block). */
  arenaBytes: number;
  arenaReplacements: number;
  /** Weights copied (or packed) into kernels memory, and temporary copies of arrays seen once. */
  weightCopies: number;
  temporaryCopies: number;
  /**
   * Weights handed over with `holdWeights` (held once, in kernels memory only) and their bytes, now: a model
   * built with `weightsInBackend` keeps no JavaScript copy of these.
   */
  heldWeights: number;
  heldWeightBytes: number;
  /**
   * JavaScript typed arrays the backend created: views over kernels memory (made once per pointer and
   * length, then reused), sub-range views of the caller's arrays (only when an op runs in chunks), and
   * arrays it returns (unembedStats's two).
   */
  jsTypedArrays: number;
}

/** A `Backend` on the AssemblyScript SIMD kernels, plus what a host needs to manage it. */
export interface KernelsBackend extends Backend {
  readonly threads: number;
  readonly relaxed: boolean;
  /** The kernels' memory (one per backend): weights live here once, activations in a reused arena. */
  readonly memory: WebAssembly.Memory;
  /** Drops the kernels' copy of weights that will not be used again (all of them without an argument). */
  forgetWeights(a?: Float32Array): void;
  /** Allocation counters since creation (see KernelsBackendStats). */
  stats(): KernelsBackendStats;
  /** Stops the worker threads. The backend must not be used afterwards. */
  dispose(): void;
}

/** True when this engine can run the kernels (WebAssembly with fixed-width SIMD). */
export function kernelsAvailable(): boolean {
  return simdSupported();
}

/**
 * The default fast backend: AssemblyScript f32x4 kernels in one WebAssembly.Memory per backend, split across
 * worker threads when memory can be shared. Use one backend per model: it keeps that model's weights.
 */
export async function createKernelsBackend(opts: KernelsBackendOptions = {}): Promise<KernelsBackend> {
  const ctx = await createKernels(opts);
  return new KernelsBackendImpl(ctx, opts.streamUnembedRows ?? 256);
}

/** Largest activation chunk staged in kernels memory at once; bigger ops run in row or head chunks. */
const CHUNK_BYTES = 64 * 1024 * 1024;
/** Size of the W_U column block a streamed unembedStats stages at once. */
const STREAM_BLOCK_BYTES = 16 * 1024 * 1024;

class KernelsBackendImpl implements KernelsBackend {
  readonly name: string;
  private readonly weights: WeightCache;
  private readonly views: KernelsViews;
  private arenaPtr = 0;
  private arenaSize = 0;
  private arenaReplacements = 0;
  /** Typed arrays made here other than KernelsViews' (sub-range views, returned arrays). */
  private typedArrays = 0;

  constructor(
    private readonly ctx: KernelsContext,
    private readonly streamUnembedRows: number,
  ) {
    this.name = ctx.name;
    this.weights = new WeightCache(ctx);
    this.views = new KernelsViews(ctx);
  }

  stats(): KernelsBackendStats {
    return {
      ...this.ctx.stats(),
      arenaBytes: this.arenaSize,
      arenaReplacements: this.arenaReplacements,
      weightCopies: this.weights.copies,
      temporaryCopies: this.weights.temporaries,
      heldWeights: this.weights.heldWeights,
      heldWeightBytes: this.weights.heldBytes,
      jsTypedArrays: this.views.created + this.typedArrays,
    };
  }

  /** Elements [from, to) of `a`: `a` itself when that is all of it (no new view), else a counted subarray. */
  private part<A extends Float32Array | Int32Array>(a: A, from: number, to: number): A {
    if (from === 0 && to === a.length) return a;
    this.typedArrays++;
    return a.subarray(from, to) as A;
  }

  get threads(): number {
    return this.ctx.threads;
  }

  get relaxed(): boolean {
    return this.ctx.relaxed;
  }

  get memory(): WebAssembly.Memory {
    return this.ctx.memory;
  }

  forgetWeights(a?: Float32Array): void {
    this.weights.forget(a);
  }

  markWeights(weights: readonly Float32Array[]): void {
    for (const w of weights) this.weights.markSeen(w);
  }

  holdWeights(weights: readonly HeldWeightSpec[]): Float32Array[] {
    return weights.map(({ data, rhs }) => {
      if (rhs && rhs.k * rhs.n !== data.length)
        throw new RangeError(
          `holdWeights: a ${rhs.k} × ${rhs.n} weight needs ${rhs.k * rhs.n} elements, got ${data.length}`,
        );
      return this.weights.hold(data, rhs ? { packed: rhs } : "rows");
    });
  }

  readWeight(standIn: Float32Array): Float32Array {
    const out = this.weights.read(standIn);
    this.typedArrays++;
    return out;
  }

  /** `a` for a length check: a held weight's stand-in is empty, so it is measured by the weight it stands for. */
  private sized(a: Float32Array): Sized {
    return this.weights.isHeld(a) ? { length: this.weights.lengthOf(a) } : a;
  }

  dispose(): void {
    this.weights.dispose();
    this.ctx.dispose();
  }

  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, opts: MatmulOptions = {}): Float32Array {
    const { bias, transA = false, transB = false, accumulate = false, addA } = opts;
    const out = checkedOut(opts.out, m * n, "matmul");
    checkLen(a, m * k, "matmul A");
    if (addA) checkAddA(addA, transA, m * k);
    checkLen(this.sized(b), k * n, "matmul B");
    if (bias) checkLen(this.sized(bias), n, "matmul bias");
    if (transA && this.weights.isHeld(b))
      throw new Error("matmul: a weight held in kernels memory cannot be B of a transposed-A product");
    if (m === 0 || n === 0) return out;
    const ctx = this.ctx;
    // B is a weight unless A is transposed (then this is a weight gradient Xᵀ·dY and B an activation). A
    // weight used as is (X·W) is kept in the packed-panel layout, so the product never repacks it.
    const bW = transA ? null : this.weights.acquire(b, transB ? "rows" : { packed: { k, n } });
    const biasW = bias ? this.weights.acquire(bias) : null;
    const bPtr = bW ? bW.ptr : -1;
    const biasPtr = biasW ? biasW.ptr : 0;
    const packedB = bW?.packed ?? false;
    const rows = transA ? m : Math.max(1, Math.min(m, Math.floor(CHUNK_BYTES / (4 * (k + n)))));
    const ar = this.arena();
    const aOff = ar.take(rows * k * 4);
    const a2Off = addA ? ar.take(rows * k * 4) : 0;
    const cOff = ar.take(rows * n * 4);
    const bOff = transA ? ar.take(k * n * 4) : 0;
    const sOff = packedB ? 0 : ar.take(ctx.packScratchBytes(k));
    const base = this.reserve(ar.size);
    const aP = base + aOff,
      cP = base + cOff,
      sP = base + sOff;
    const bP = transA ? base + bOff : bPtr;
    const f32 = ctx.f32;
    if (transA) f32.set(b, bP / 4);
    const bRs = transB ? 1 : n,
      bCs = transB ? k : 1;
    const flags = accumulate ? GEMM_ACCUMULATE : 0;
    for (let r0 = 0; r0 < m; r0 += rows) {
      const r = Math.min(rows, m - r0);
      if (transA) f32.set(a, aP / 4);
      else f32.set(this.part(a, r0 * k, (r0 + r) * k), aP / 4);
      if (addA) {
        f32.set(this.part(addA, r0 * k, (r0 + r) * k), (base + a2Off) / 4);
        ctx.addInPlace(aP, base + a2Off, r * k);
      }
      if (accumulate) f32.set(this.part(out, r0 * n, (r0 + r) * n), cP / 4);
      if (packedB) ctx.gemmPacked(aP, k, bP, cP, n, r, k, n, biasPtr, flags);
      else ctx.gemm(aP, transA ? 1 : k, transA ? m : 1, bP, bRs, bCs, cP, n, r, k, n, biasPtr, flags, sP);
      out.set(this.views.f32(cP, r * n), r0 * n);
    }
    this.releaseAll(bW, biasW);
    return out;
  }

  attnScores(
    q: Float32Array,
    k: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    maskValue: number,
    out?: Float32Array,
  ): Float32Array {
    const res = checkedOut(out, nHeads * tq * tk, "attnScores");
    checkAttn(q, k, tq, tk, nHeads, dHead, "attnScores");
    return this.perHeads(q, k, tq, tk, nHeads, dHead, res, (qP, kP, oP, h0, h1, sP) =>
      this.ctx.attnScores(qP, kP, oP, tq, tk, nHeads, dHead, scale, maskValue, h0, h1, sP),
    );
  }

  attnPattern(
    q: Float32Array,
    k: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    out?: Float32Array,
  ): Float32Array {
    const res = checkedOut(out, nHeads * tq * tk, "attnPattern");
    checkAttn(q, k, tq, tk, nHeads, dHead, "attnPattern");
    return this.perHeads(q, k, tq, tk, nHeads, dHead, res, (qP, kP, oP, h0, h1, sP) =>
      this.ctx.attnPattern(qP, kP, oP, tq, tk, nHeads, dHead, scale, h0, h1, sP),
    );
  }

  attention(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    out?: Float32Array,
  ): Float32Array {
    const z = checkedOut(out, tq * nHeads * dHead, "attention");
    checkAttn(q, k, tq, tk, nHeads, dHead, "attention");
    checkLen(v, tk * nHeads * dHead, "attention v");
    if (z.length === 0) return z;
    const ctx = this.ctx;
    const block = tq * tk;
    const heads = Math.max(1, Math.min(nHeads, Math.floor(CHUNK_BYTES / (4 * block))));
    const ar = this.arena();
    const qOff = ar.take(q.length * 4);
    const kOff = ar.take(k.length * 4);
    const vOff = ar.take(v.length * 4);
    const zOff = ar.take(z.length * 4);
    const pOff = ar.take(heads * block * 4);
    const sOff = ar.take(Math.max(ctx.attnScratchBytes(tk, dHead), ctx.packScratchBytes(tk)));
    const base = this.reserve(ar.size);
    ctx.f32.set(q, (base + qOff) / 4);
    ctx.f32.set(k, (base + kOff) / 4);
    ctx.f32.set(v, (base + vOff) / 4);
    // A few heads' patterns at a time, straight into pattern · V: the whole pattern never exists.
    for (let h0 = 0; h0 < nHeads; h0 += heads) {
      const h1 = Math.min(nHeads, h0 + heads);
      ctx.attnPattern(base + qOff, base + kOff, base + pOff, tq, tk, nHeads, dHead, scale, h0, h1, base + sOff);
      ctx.patternValue(base + pOff, base + vOff, base + zOff, tq, tk, nHeads, dHead, h0, h1, base + sOff);
    }
    z.set(this.views.f32(base + zOff, z.length));
    return z;
  }

  causalSoftmax(scores: Float32Array, nHeads: number, tq: number, tk: number, out?: Float32Array): Float32Array {
    const res = checkedOut(out, nHeads * tq * tk, "causalSoftmax");
    checkLen(scores, nHeads * tq * tk, "causalSoftmax scores");
    checkCausal(tq, tk, "causalSoftmax");
    const total = nHeads * tq;
    if (total === 0 || tk === 0) return res;
    const rows = Math.max(1, Math.min(total, Math.floor(CHUNK_BYTES / (4 * tk))));
    const base = this.reserve(rows * tk * 4);
    for (let r0 = 0; r0 < total; r0 += rows) {
      const r = Math.min(rows, total - r0);
      this.ctx.f32.set(this.part(scores, r0 * tk, (r0 + r) * tk), base / 4);
      this.ctx.causalSoftmax(base, base, r0, r, tq, tk);
      res.set(this.views.f32(base, r * tk), r0 * tk);
    }
    return res;
  }

  patternValue(
    pattern: Float32Array,
    v: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    out?: Float32Array,
  ): Float32Array {
    const z = checkedOut(out, tq * nHeads * dHead, "patternValue");
    checkLen(pattern, nHeads * tq * tk, "patternValue pattern");
    checkLen(v, tk * nHeads * dHead, "patternValue v");
    if (z.length === 0) return z;
    const ctx = this.ctx;
    const heads = Math.max(1, Math.min(nHeads, Math.floor(CHUNK_BYTES / (4 * Math.max(1, tq * tk)))));
    const ar = this.arena();
    const vOff = ar.take(v.length * 4);
    const zOff = ar.take(z.length * 4);
    const pOff = ar.take(heads * tq * tk * 4);
    const sOff = ar.take(ctx.packScratchBytes(tk));
    const base = this.reserve(ar.size);
    ctx.f32.set(v, (base + vOff) / 4);
    for (let h0 = 0; h0 < nHeads; h0 += heads) {
      const h1 = Math.min(nHeads, h0 + heads);
      ctx.f32.set(this.part(pattern, h0 * tq * tk, h1 * tq * tk), (base + pOff) / 4);
      ctx.patternValue(base + pOff, base + vOff, base + zOff, tq, tk, nHeads, dHead, h0, h1, base + sOff);
    }
    z.set(this.views.f32(base + zOff, z.length));
    return z;
  }

  headResults(
    z: Float32Array,
    wO: Float32Array,
    t: number,
    nHeads: number,
    dHead: number,
    dModel: number,
    out?: Float32Array,
  ): Float32Array {
    const res = checkedOut(out, t * nHeads * dModel, "headResults");
    checkLen(z, t * nHeads * dHead, "headResults z");
    checkLen(this.sized(wO), nHeads * dHead * dModel, "headResults W_O");
    if (res.length === 0) return res;
    const ctx = this.ctx;
    const wW = this.weights.acquire(wO, { packed: { k: nHeads * dHead, n: dModel } });
    const wP = wW.ptr;
    const rows = Math.max(1, Math.min(t, Math.floor(CHUNK_BYTES / (4 * nHeads * (dHead + dModel)))));
    const ar = this.arena();
    const zOff = ar.take(rows * nHeads * dHead * 4);
    const oOff = ar.take(rows * nHeads * dModel * 4);
    const sOff = ar.take(ctx.packScratchBytes(dHead));
    const base = this.reserve(ar.size);
    for (let r0 = 0; r0 < t; r0 += rows) {
      const r = Math.min(rows, t - r0);
      ctx.f32.set(this.part(z, r0 * nHeads * dHead, (r0 + r) * nHeads * dHead), (base + zOff) / 4);
      ctx.headResults(base + zOff, wP, base + oOff, r, nHeads, dHead, dModel, base + sOff, wW.packed);
      res.set(this.views.f32(base + oOff, r * nHeads * dModel), r0 * nHeads * dModel);
    }
    this.releaseAll(wW);
    return res;
  }

  unembedStats(
    x: Float32Array,
    wU: Float32Array,
    bU: Float32Array,
    t: number,
    dModel: number,
    vocab: number,
    targets: Int32Array,
  ): { logsumexp: Float32Array; targetLogits: Float32Array } {
    checkUnembedStats(x, this.sized(wU), this.sized(bU), targets, t, dModel, vocab);
    const logsumexp = new Float32Array(t);
    const targetLogits = new Float32Array(t).fill(NaN);
    this.typedArrays += 2;
    if (t === 0) return { logsumexp, targetLogits };
    const wLayout = { packed: { k: dModel, n: vocab } };
    if (t >= this.streamUnembedRows && !this.weights.has(wU, wLayout)) {
      this.unembedStatsStreamed(x, wU, bU, t, dModel, vocab, targets, logsumexp, targetLogits);
      return { logsumexp, targetLogits };
    }
    const ctx = this.ctx;
    const wW = this.weights.acquire(wU, wLayout);
    const bW = this.weights.acquire(bU);
    const wP = wW.ptr,
      bP = bW.ptr;
    const ar = this.arena();
    const xOff = ar.take(x.length * 4);
    const tOff = ar.take(t * 4);
    const lOff = ar.take(t * 4);
    const gOff = ar.take(t * 4);
    const sOff = ar.take(ctx.unembedScratchBytes(t, dModel));
    const base = this.reserve(ar.size);
    ctx.f32.set(x, (base + xOff) / 4);
    ctx.i32.set(targets, (base + tOff) / 4);
    ctx.unembedStats(
      base + xOff,
      wP,
      bP,
      t,
      dModel,
      vocab,
      base + tOff,
      base + lOff,
      base + gOff,
      base + sOff,
      wW.packed,
    );
    logsumexp.set(this.views.f32(base + lOff, t));
    targetLogits.set(this.views.f32(base + gOff, t));
    this.releaseAll(wW, bW);
    return { logsumexp, targetLogits };
  }

  layerNorm(x: Float32Array, rows: number, d: number, eps: number, opts: LayerNormOptions = {}): LayerNormResult {
    const { w, b } = opts;
    checkLayerNorm(x, rows, d, eps, w && this.sized(w), b && this.sized(b));
    const normalized = checkedOut(opts.out, rows * d, "layerNorm");
    const scale = checkedOut(opts.scaleOut, rows, "layerNorm scale");
    if (rows === 0 || d === 0) return { normalized, scale: scale.fill(Math.sqrt(eps)) };
    const ctx = this.ctx;
    const wW = w ? this.weights.acquire(w) : null;
    const bW = b ? this.weights.acquire(b) : null;
    const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK_BYTES / (4 * (d + 1)))));
    const ar = this.arena();
    const xOff = ar.take(chunk * d * 4);
    const sOff = ar.take(chunk * 4);
    const base = this.reserve(ar.size);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r = Math.min(chunk, rows - r0);
      ctx.f32.set(this.part(x, r0 * d, (r0 + r) * d), (base + xOff) / 4);
      ctx.layerNorm(base + xOff, base + xOff, base + sOff, wW?.ptr ?? 0, bW?.ptr ?? 0, r, d, eps);
      normalized.set(this.views.f32(base + xOff, r * d), r0 * d);
      scale.set(this.views.f32(base + sOff, r), r0);
    }
    this.releaseAll(wW, bW);
    return { normalized, scale };
  }

  activation(x: Float32Array, fn: ActivationFn, out?: Float32Array): Float32Array {
    const index = activationIndex(fn);
    const res = checkedOut(out, x.length, "activation");
    if (x.length === 0) return res;
    const chunk = Math.min(x.length, CHUNK_BYTES / 4);
    const base = this.reserve(chunk * 4);
    for (let i0 = 0; i0 < x.length; i0 += chunk) {
      const n = Math.min(chunk, x.length - i0);
      this.ctx.f32.set(this.part(x, i0, i0 + n), base / 4);
      this.ctx.activation(base, base, n, index);
      res.set(this.views.f32(base, n), i0);
    }
    return res;
  }

  /**
   * unembedStats with W_U staged a column block at a time (about 16 MB) instead of copied whole; the blocks'
   * log-sum-exps are merged in float64 and each target logit comes from the block that holds it.
   */
  private unembedStatsStreamed(
    x: Float32Array,
    wU: Float32Array,
    bU: Float32Array,
    t: number,
    dModel: number,
    vocab: number,
    targets: Int32Array,
    logsumexp: Float32Array,
    targetLogits: Float32Array,
  ): void {
    const ctx = this.ctx;
    const vb = Math.max(8, Math.floor(STREAM_BLOCK_BYTES / (4 * dModel) / 8) * 8);
    const ar = this.arena();
    const xOff = ar.take(x.length * 4);
    const wOff = ar.take(dModel * vb * 4);
    const bOff = ar.take(vb * 4);
    const tOff = ar.take(t * 4);
    const lOff = ar.take(t * 4);
    const gOff = ar.take(t * 4);
    const sOff = ar.take(ctx.unembedScratchBytes(t, dModel));
    const base = this.reserve(ar.size);
    ctx.f32.set(x, (base + xOff) / 4);
    const acc = new Float64Array(t).fill(-Infinity);
    const shifted = new Int32Array(t);
    this.typedArrays += 2;
    for (let v0 = 0; v0 < vocab; v0 += vb) {
      const n = Math.min(vb, vocab - v0);
      const w = (base + wOff) / 4;
      for (let d = 0; d < dModel; d++) ctx.f32.set(this.part(wU, d * vocab + v0, d * vocab + v0 + n), w + d * n);
      ctx.f32.set(this.part(bU, v0, v0 + n), (base + bOff) / 4);
      // Targets outside this block fall outside [0, n) and are ignored by the kernel.
      for (let r = 0; r < t; r++) shifted[r] = targets[r] < 0 ? -1 : targets[r] - v0;
      ctx.i32.set(shifted, (base + tOff) / 4);
      ctx.unembedStats(
        base + xOff,
        base + wOff,
        base + bOff,
        t,
        dModel,
        n,
        base + tOff,
        base + lOff,
        base + gOff,
        base + sOff,
      );
      const l = (base + lOff) / 4;
      const g = (base + gOff) / 4;
      for (let r = 0; r < t; r++) {
        const b = ctx.f32[l + r];
        const a = acc[r];
        const m = Math.max(a, b);
        acc[r] = m === -Infinity ? -Infinity : m + Math.log(Math.exp(a - m) + Math.exp(b - m));
        const tg = ctx.f32[g + r];
        if (!Number.isNaN(tg)) targetLogits[r] = tg;
      }
    }
    for (let r = 0; r < t; r++) logsumexp[r] = acc[r];
  }

  /** Shared body of attnScores / attnPattern: q, k staged once, the [H, tq, tk] output in head chunks. */
  private perHeads(
    q: Float32Array,
    k: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    res: Float32Array,
    run: (qP: number, kP: number, oP: number, h0: number, h1: number, sP: number) => void,
  ): Float32Array {
    if (res.length === 0) return res;
    const ctx = this.ctx;
    const block = tq * tk;
    const heads = Math.max(1, Math.min(nHeads, Math.floor(CHUNK_BYTES / (4 * block))));
    const ar = this.arena();
    const qOff = ar.take(q.length * 4);
    const kOff = ar.take(k.length * 4);
    const oOff = ar.take(heads * block * 4);
    const sOff = ar.take(ctx.attnScratchBytes(tk, dHead));
    const base = this.reserve(ar.size);
    ctx.f32.set(q, (base + qOff) / 4);
    ctx.f32.set(k, (base + kOff) / 4);
    for (let h0 = 0; h0 < nHeads; h0 += heads) {
      const h1 = Math.min(nHeads, h0 + heads);
      run(base + qOff, base + kOff, base + oOff, h0, h1, base + sOff);
      res.set(this.views.f32(base + oOff, (h1 - h0) * block), h0 * block);
    }
    return res;
  }

  private releaseAll(...hs: ({ ptr: number; temporary: boolean } | null)[]): void {
    for (const h of hs) if (h) this.weights.release(h);
  }

  private arena(): ArenaLayout {
    return new ArenaLayout();
  }

  /**
   * Base pointer of an activation arena of at least `bytes`. The arena is one heap block reused by every op
   * and replaced only by a bigger one, so steady-state runs never allocate. It grows by at least half its
   * size each time, so a sequence that keeps getting longer (live typing with hooks on) replaces it a
   * logarithmic number of times rather than every few tokens.
   */
  private reserve(bytes: number): number {
    if (bytes > this.arenaSize) {
      if (this.arenaPtr) this.ctx.heap.release(this.arenaPtr);
      const size = Math.ceil(Math.max(bytes, this.arenaSize * 1.5) / (1 << 20)) * (1 << 20);
      this.arenaPtr = this.ctx.heap.alloc(size);
      this.arenaSize = size;
      this.arenaReplacements++;
    }
    return this.arenaPtr;
  }
}

/** Offsets of an op's operands inside the arena, 64-byte aligned. */
class ArenaLayout {
  size = 0;
  take(bytes: number): number {
    const off = this.size;
    this.size += Math.ceil(bytes / 64) * 64;
    return off;
  }
}
