/**
 * The few numeric operations the model core needs, over plain row-major Float32Arrays.
 *
 * `tsBackend` (plain TypeScript) is the reference; the AssemblyScript SIMD kernels implement the same
 * interface. Every op writes into `out` when given (it must have exactly the right length) and returns
 * the output array. Inputs are never modified. Weights are passed as the same Float32Array objects on
 * every call, so a backend may keep its own copy of them keyed by identity (e.g. in a WeakMap).
 */
export interface Backend {
  /** Short name for reports, e.g. `"ts"`, `"kernels-simd"`, `"kernels-relaxed-simd x2"`. */
  readonly name: string;

  /**
   * C[m, n] = A[m, k] · B + bias.
   * A is [m, k] row-major, or [k, m] when `transA` (C = Aᵀ · B).
   * B is [k, n] row-major, or [n, k] when `transB` (C = A · Bᵀ). `bias` has n entries.
   * With `accumulate`, C += A · B (+ bias) into `out` instead of overwriting it.
   */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, opts?: MatmulOptions): Float32Array;

  /**
   * Attention scores for one sequence, TransformerLens layout.
   * q: [Tq, H, dHead], k: [Tk, H, dHead] (Tq ≤ Tk; query i sits at absolute position Tk - Tq + i).
   * out: [H, Tq, Tk], out[h, i, j] = (q[i,h]·k[j,h]) / scale, and `maskValue` where j > Tk - Tq + i.
   */
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
  ): Float32Array;

  /**
   * Row softmax of causal scores [H, Tq, Tk] (query i at absolute position Tk - Tq + i):
   * entries above the causal diagonal are exactly 0 whatever the input holds there.
   */
  causalSoftmax(scores: Float32Array, nHeads: number, tq: number, tk: number, out?: Float32Array): Float32Array;

  /**
   * Optional fused attnScores + causalSoftmax, for when nothing needs the raw scores (no hook or cache on
   * `hook_attn_scores`). Same layout and result as `causalSoftmax(attnScores(...))`.
   */
  attnPattern?(
    q: Float32Array,
    k: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    out?: Float32Array,
  ): Float32Array;

  /**
   * Optional fused attention, for when nothing needs the scores or the pattern (no hook or cache on
   * `hook_attn_scores` / `hook_pattern`): z = patternValue(causalSoftmax(attnScores(q, k)), v), computed a
   * few heads at a time so the [H, Tq, Tk] pattern is never held whole (200 MB per layer at T = 2048).
   * q: [Tq, H, dHead], k, v: [Tk, H, dHead], z: [Tq, H, dHead].
   */
  attention?(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    scale: number,
    out?: Float32Array,
  ): Float32Array;

  /**
   * z[i, h, :] = Σ_j pattern[h, i, j] · v[j, h, :]. pattern: [H, Tq, Tk], v: [Tk, H, dHead], z: [Tq, H, dHead].
   */
  patternValue(
    pattern: Float32Array,
    v: Float32Array,
    tq: number,
    tk: number,
    nHeads: number,
    dHead: number,
    out?: Float32Array,
  ): Float32Array;

  /**
   * Per-head outputs: result[i, h, :] = z[i, h, :] · W_O[h]. z: [T, H, dHead], W_O: [H, dHead, dModel],
   * result: [T, H, dModel] (TransformerLens `hook_result`, without b_O).
   */
  headResults(
    z: Float32Array,
    wO: Float32Array,
    t: number,
    nHeads: number,
    dHead: number,
    dModel: number,
    out?: Float32Array,
  ): Float32Array;

  /**
   * Unembedding statistics without materialising the [T, V] logits:
   * logsumexp[t] = log Σ_v exp(x[t]·W_U[:, v] + b_U[v]) and, for t with a target, the target's logit.
   * x: [T, dModel], W_U: [dModel, V], b_U: [V], targets: T entries (-1 = none).
   * Returns { logsumexp: [T], targetLogits: [T] (NaN where no target) }.
   */
  unembedStats(
    x: Float32Array,
    wU: Float32Array,
    bU: Float32Array,
    t: number,
    dModel: number,
    vocab: number,
    targets: Int32Array,
  ): { logsumexp: Float32Array; targetLogits: Float32Array };

  /**
   * LayerNorm over the last axis of x [rows, d], as TransformerLens's `LayerNorm` (with `w`, `b`) and
   * `LayerNormPre` (without): centered = x − mean(x), scale = sqrt(mean(centered²) + eps),
   * normalized = centered / scale (· w + b). Returns `normalized` [rows, d] (`hook_normalized`) and `scale`
   * [rows] (`hook_scale`, [rows, 1] in TransformerLens). `w` and `b` have d entries; give both or neither.
   */
  layerNorm(x: Float32Array, rows: number, d: number, eps: number, opts?: LayerNormOptions): LayerNormResult;

  /**
   * Element-wise activation `fn` (TransformerLens's `act_fn`) of x, any shape: the MLP's hook_pre → hook_post.
   */
  activation(x: Float32Array, fn: ActivationFn, out?: Float32Array): Float32Array;

  /**
   * Optional hint from a model: these arrays are its weights and will be passed on every run. A backend that
   * keeps its own copies may set them up from the first use instead of waiting to see an array twice.
   */
  markWeights?(weights: readonly Float32Array[]): void;

  /**
   * Optional: takes these weights into the backend's own memory for good, each in the layout its ops read
   * (`rhs`: the right-hand side B [k, n] of X·B products), and returns, per weight, the array to pass in
   * its place from then on: an empty stand-in. The caller can then drop its own arrays, so the weights are
   * held once. Stand-ins work with this backend only; `readWeight` gives a weight back.
   */
  holdWeights?(weights: readonly HeldWeightSpec[]): Float32Array[];

  /** With `holdWeights`: a new row-major copy of the weight `standIn` stands for. */
  readWeight?(standIn: Float32Array): Float32Array;
}

/** A weight handed to `Backend.holdWeights`. */
export interface HeldWeightSpec {
  data: Float32Array;
  /** Set when the weight is the right-hand side B [k, n] of X·B products (matmul, headResults, unembedStats). */
  rhs?: { k: number; n: number };
}

export interface MatmulOptions {
  bias?: Float32Array;
  /**
   * Added to A (same shape, not with `transA`) before the product: C = (A + addA) · B, the sum rounded to
   * float32 first. Shortformer queries and keys take (resid + pos) without the model materialising it.
   */
  addA?: Float32Array;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  out?: Float32Array;
}

/**
 * TransformerLens's MLP activations:
 * - `gelu`: x·Φ(x) = ½x(1 + erf(x/√2)), the exact (erf) GELU;
 * - `gelu_new`: ½x(1 + tanh(√(2/π)(x + 0.044715x³))), GPT-2's tanh approximation;
 * - `gelu_fast`: ½x(1 + tanh(0.7978845608·x(1 + 0.044715x²))), the same approximation written differently;
 * - `relu`: max(x, 0); `silu`: x·σ(x) = x / (1 + e⁻ˣ).
 */
export type ActivationFn = "gelu" | "gelu_new" | "gelu_fast" | "relu" | "silu";

/** Every activation a Backend implements, in a fixed order (kernels index them by position). */
export const ACTIVATION_FNS: readonly ActivationFn[] = ["gelu", "gelu_new", "gelu_fast", "relu", "silu"];

export interface LayerNormOptions {
  /** Per-feature weight (TransformerLens `ln.w`), d entries; LayerNormPre when absent. */
  w?: Float32Array;
  /** Per-feature bias (TransformerLens `ln.b`), d entries. */
  b?: Float32Array;
  /** Output for `normalized`, rows·d entries. */
  out?: Float32Array;
  /** Output for `scale`, rows entries. */
  scaleOut?: Float32Array;
}

export interface LayerNormResult {
  /** [rows, d]: centered / scale (· w + b). */
  normalized: Float32Array;
  /** [rows]: sqrt(mean(centered²) + eps). */
  scale: Float32Array;
}
