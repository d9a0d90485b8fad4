/**
 * How one summand of the residual stream enters a LayerNorm's output, with the cache's own scale (TransformerLens
 * `ActivationCache.apply_ln_to_stack`): the LayerNorm is linear once its scale is fixed per position.
 *
 * Dimension legend: C components, T positions, D d_model.
 *
 * With normalization_type "LN" or "LNPre", a summand x[t] of the stream y[t] = Σ x[t] enters as
 *   ln(x)[t] = (x[t] − mean(x[t])) / scale[t]  (⊙ w for "LN")
 * where scale is the cached `hook_scale` of that LayerNorm, so Σ ln(x) + b = the LayerNorm's output exactly
 * (b only for "LN"). TransformerLens's `apply_ln_to_stack` is the centring and the division; w and b are its
 * `fold_ln` (an "LNPre" model has them folded into the next weights already). Without LayerNorm it is the identity.
 */
import type { ActivationCache } from "../model/activation-cache.js";
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { getActName } from "../model/hook-names.js";
import { Tensor } from "../tensor.js";

/** One LayerNorm as fixed by a run: what `applyLn` needs. Null fields are absent (identity). */
export interface FrozenLayerNorm {
  /** Subtract each vector's mean over d_model (LN, LNPre). */
  center: boolean;
  /** [T] cached hook_scale; null without LayerNorm. */
  scale: Float32Array | null;
  /** [D] weight ("LN" only). */
  w: Float32Array | null;
  /** [D] bias ("LN" only): a constant of the output, no summand's share. */
  b: Float32Array | null;
}

/**
 * The LayerNorm in front of the unembedding (`"final"`: ln_final) or of block `layer`'s attention (ln1), from an
 * unbatched cache of `model`. Names the hook point when the cache lacks its scale.
 */
export function frozenLayerNorm(
  model: HookedTransformer,
  cache: ActivationCache,
  at: "final" | number,
  what: string,
): FrozenLayerNorm {
  const type = model.cfg.normalization_type;
  if (type !== "LN" && type !== "LNPre") return { center: false, scale: null, w: null, b: null };
  const name = at === "final" ? getActName("scale") : getActName("scale", at, "ln1");
  if (!cache.has(name)) {
    throw new Error(
      `${what}: the cache has no "${name}" (this model has LayerNorm, and each summand is divided by its scale): run runWithCache without excluding it`,
    );
  }
  const p = at === "final" ? model.layerNormWeights("ln_final") : model.layerNormWeights("ln1", at);
  return { center: true, scale: cache.get(name).data, w: p?.w.data ?? null, b: p?.b.data ?? null };
}

/** ln(x) of every vector of a [C, T, D] (or [T, D]) stack, in float32 (see the module comment). */
export function applyLn(stack: Tensor, ln: FrozenLayerNorm): Tensor {
  if (!ln.center && !ln.scale && !ln.w) return stack;
  const D = stack.shape[stack.ndim - 1];
  const T = stack.shape[stack.ndim - 2];
  const rows = stack.size / D;
  const out = new Float32Array(stack.size);
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let mean = 0;
    if (ln.center) {
      for (let d = 0; d < D; d++) mean += stack.data[o + d];
      mean /= D;
    }
    const s = ln.scale ? ln.scale[r % T] : 1;
    for (let d = 0; d < D; d++) out[o + d] = ((stack.data[o + d] - mean) / s) * (ln.w ? ln.w[d] : 1);
  }
  return new Tensor(out, stack.shape);
}

/**
 * The direction u' [D] with x · u' = ln(x)[t] · u for every vector x at position t, in float64: u ⊙ w, centred
 * (x − mean(x) against u' is x against u' − mean(u')), over scale[t].
 */
export function lnDirection(u: Float64Array, ln: FrozenLayerNorm, t: number): Float64Array {
  const D = u.length;
  const out = new Float64Array(D);
  let mean = 0;
  for (let d = 0; d < D; d++) {
    out[d] = u[d] * (ln.w ? ln.w[d] : 1);
    mean += out[d];
  }
  mean = ln.center ? mean / D : 0;
  const s = ln.scale ? ln.scale[t] : 1;
  for (let d = 0; d < D; d++) out[d] = (out[d] - mean) / s;
  return out;
}
