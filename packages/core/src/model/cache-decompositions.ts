/**
 * TransformerLens's `ActivationCache` decompositions of the residual stream (apply_ln=False: these models
 * have no LayerNorm), on a cache of an attention-only model.
 *
 * Dimension legend: C components, B batch (absent in an unbatched cache), T positions, L layers, H heads,
 * D d_model, Dh d_head. A "stack" is [C, (B,) T, D] with one label per component.
 */
import { Tensor } from "../tensor.js";
import type { HookedTransformerConfig } from "../config.js";

/** Components of the residual stream, stacked on a new first axis, with TransformerLens's labels. */
export interface LabeledStack {
  /** [C, (B,) T, D] */
  stack: Tensor;
  labels: string[];
}

/** What the decompositions read: the cache's tensors and the model's config and weights. */
export interface CacheSource {
  get(name: string, layer?: number): Tensor;
  has(name: string, layer?: number): boolean;
  readonly hasBatchDim: boolean;
  model: { cfg: HookedTransformerConfig; readonly W_U: Tensor; readonly W_O: Tensor } | null;
}

function requireModel(c: CacheSource, what: string) {
  if (!c.model)
    throw new Error(
      `${what} needs the model's weights: use a cache made by model.runWithCache (this one has no model)`,
    );
  return c.model;
}

/** TransformerLens's `layer` argument: components of blocks strictly before `layer`; undefined / −1 = all. */
function resolveLayer(layer: number | undefined, nLayers: number, what: string, min = 0): number {
  const l = layer === undefined || layer === -1 ? nLayers : layer;
  if (!Number.isInteger(l) || l < min || l > nLayers) {
    throw new RangeError(
      `${what}: layer ${layer} is out of range (${min}..${nLayers}, or -1 for all ${nLayers} layers)`,
    );
  }
  return l;
}

/** Stack tensors of equal shape on a new first axis. */
export function stackTensors(parts: Tensor[], inner: readonly number[]): Tensor {
  const n = parts[0]?.size ?? 0;
  const out = new Float32Array(parts.length * n);
  parts.forEach((p, i) => {
    if (p.size !== n)
      throw new RangeError(`cannot stack tensors of shapes [${parts[0].shape.join(", ")}] and [${p.shape.join(", ")}]`);
    out.set(p.data, i * n);
  });
  return new Tensor(out, [parts.length, ...inner]);
}

/** Per-head outputs of one layer, [(B,) T, H, D]: hook_result, or hook_z · W_O when results were not recorded. */
export function headResults(c: CacheSource, layer: number): Tensor {
  if (c.has("result", layer)) return c.get("result", layer);
  const z = c.get("z", layer);
  const W_O = requireModel(c, "head results").W_O.index(layer); // [H, Dh, D]
  const [H, Dh, D] = W_O.shape;
  const rows = z.size / (H * Dh);
  const out = new Float32Array(rows * H * D);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < H; h++) {
      const zo = (r * H + h) * Dh;
      const o = (r * H + h) * D;
      for (let d = 0; d < Dh; d++) {
        const zv = z.data[zo + d];
        const wo = (h * Dh + d) * D;
        for (let m = 0; m < D; m++) out[o + m] += zv * W_O.data[wo + m];
      }
    }
  }
  return new Tensor(out, [...z.shape.slice(0, -2), H, D]);
}

/**
 * `stack_head_results(layer)`: every head's output (`hook_result`, without b_O) in layers < `layer`,
 * labels `"L0H0"`, `"L0H1"`, …; with `inclRemainder`, a last component `"remainder"` = resid − Σ heads.
 */
export function stackHeadResults(c: CacheSource, layer?: number, opts: { inclRemainder?: boolean } = {}): LabeledStack {
  const { cfg } = requireModel(c, "stackHeadResults");
  const L = resolveLayer(layer, cfg.n_layers, "stackHeadResults", 1);
  const parts: Tensor[] = [];
  const labels: string[] = [];
  let inner: number[] = [];
  for (let l = 0; l < L; l++) {
    const r = headResults(c, l); // [(B,) T, H, D]
    const perHead = r.permute(r.ndim - 2, ...r.shape.slice(0, -2).map((_, i) => i), r.ndim - 1); // [H, (B,) T, D]
    inner = perHead.shape.slice(1);
    for (let h = 0; h < cfg.n_heads; h++) {
      parts.push(perHead.index(h));
      labels.push(`L${l}H${h}`);
    }
  }
  if (opts.inclRemainder) {
    const resid = L === cfg.n_layers ? c.get("resid_post", cfg.n_layers - 1) : c.get("resid_pre", L);
    let rem = resid;
    for (const p of parts) rem = rem.sub(p);
    parts.push(rem);
    labels.push("remainder");
  }
  return { stack: stackTensors(parts, inner), labels };
}

/**
 * `decompose_resid(layer)`: the residual stream before block `layer` as its summands: `"embed"`, `"pos_embed"`
 * (listed even in a shortformer model, where positions never enter the stream, as TransformerLens does), then
 * `"{l}_attn_out"` for l < layer.
 */
export function decomposeResid(c: CacheSource, layer?: number, opts: { inclEmbeds?: boolean } = {}): LabeledStack {
  const { cfg } = requireModel(c, "decomposeResid");
  const L = resolveLayer(layer, cfg.n_layers, "decomposeResid");
  const parts: Tensor[] = [];
  const labels: string[] = [];
  if (opts.inclEmbeds ?? true) {
    parts.push(c.get("embed"));
    labels.push("embed");
    if (c.has("pos_embed")) {
      parts.push(c.get("pos_embed"));
      labels.push("pos_embed");
    }
  }
  for (let l = 0; l < L; l++) {
    parts.push(c.get("attn_out", l));
    labels.push(`${l}_attn_out`);
  }
  if (parts.length === 0) throw new RangeError("decomposeResid: no components (layer 0 without embeddings)");
  return { stack: stackTensors(parts, parts[0].shape), labels };
}

/**
 * `accumulated_resid(layer)`: the residual stream as it grows, `"{l}_pre"` = resid_pre of block l for
 * l ≤ layer, and `"final_post"` (resid_post of the last block) when layer = n_layers.
 */
export function accumulatedResid(c: CacheSource, layer?: number): LabeledStack {
  const { cfg } = requireModel(c, "accumulatedResid");
  const L = resolveLayer(layer, cfg.n_layers, "accumulatedResid");
  const parts: Tensor[] = [];
  const labels: string[] = [];
  for (let l = 0; l <= L; l++) {
    if (l === cfg.n_layers) {
      parts.push(c.get("resid_post", cfg.n_layers - 1));
      labels.push("final_post");
    } else {
      parts.push(c.get("resid_pre", l));
      labels.push(`${l}_pre`);
    }
  }
  return { stack: stackTensors(parts, parts[0].shape), labels };
}

/**
 * `logit_attrs(stack, tokens, incorrect_tokens)`: each component's direct contribution to the logit of
 * `tokens` (minus that of `incorrectTokens`): Σ_d stack[c, …, d] · (W_U[d, token] − W_U[d, incorrect]),
 * [C, …]. `tokens` has one id per position of the stack (the product of its middle axes) or is one id for all.
 */
export function logitAttrs(
  c: CacheSource,
  stack: Tensor,
  tokens: number | ArrayLike<number>,
  incorrectTokens?: number | ArrayLike<number>,
): Tensor {
  const { cfg, W_U } = requireModel(c, "logitAttrs");
  const D = cfg.d_model;
  const V = cfg.d_vocab_out;
  if (stack.ndim < 2 || stack.shape[stack.ndim - 1] !== D) {
    throw new RangeError(
      `logitAttrs: the stack must be [components, …, d_model = ${D}], got [${stack.shape.join(", ")}]`,
    );
  }
  const C = stack.shape[0];
  const P = stack.size / (C * D);
  const ids = (t: number | ArrayLike<number>, what: string): Int32Array => {
    const arr = typeof t === "number" ? new Int32Array(P).fill(t) : Int32Array.from(t);
    if (arr.length !== P)
      throw new RangeError(`logitAttrs: ${what} has ${arr.length} ids, the stack has ${P} positions`);
    for (let i = 0; i < P; i++) {
      if (!Number.isInteger(arr[i]) || arr[i] < 0 || arr[i] >= V)
        throw new RangeError(`logitAttrs: ${what} id ${arr[i]} at position ${i} is outside 0..${V - 1}`);
    }
    return arr;
  };
  const good = ids(tokens, "tokens");
  const bad = incorrectTokens === undefined ? null : ids(incorrectTokens, "incorrectTokens");
  const out = new Float32Array(C * P);
  for (let p = 0; p < P; p++) {
    const g = good[p];
    const b = bad ? bad[p] : -1;
    for (let k = 0; k < C; k++) {
      const o = (k * P + p) * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += stack.data[o + d] * (W_U.data[d * V + g] - (b >= 0 ? W_U.data[d * V + b] : 0));
      out[k * P + p] = s;
    }
  }
  return new Tensor(out, stack.shape.slice(0, -1));
}
