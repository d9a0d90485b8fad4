/**
 * LayerNorm ("LN", with w and b) and LayerNormPre ("LNPre", its folded form) as a graph fragment
 * (components/layer-norm.ts), as TransformerLens computes them: centered = x − mean(x),
 * `hook_scale` = sqrt(mean(centered²) + eps) [B, T, 1], `hook_normalized` = centered / scale (· w + b).
 *
 * Dimension legend: B batch, T seq, D d_model.
 */
import { LAYER_NORM_HOOKS } from "../../../components/layer-norm.js";
import { offerHooks, type ExportGraph, type Lazy } from "../export-graph.js";

/** The fragment of the LayerNorm at `prefix` (`blocks.0.ln1.`, `ln_final.`) over `input`; returns its output. */
export function layerNormGraph(x: ExportGraph, prefix: string, input: Lazy): Lazy {
  const { g, cfg } = x;
  const mean = (v: string) => g.node("ReduceMean", [v], { axes: [-1], keepdims: 1 });
  const centered = () =>
    x.once(`${prefix}centered`, () => {
      const v = input();
      return g.node("Sub", [v, mean(v)]);
    });
  const hooks: Record<"scale" | "normalized", Lazy> = offerHooks<"scale" | "normalized">(x, prefix, LAYER_NORM_HOOKS, {
    scale: (name) => {
      const c = centered();
      const variance = mean(g.node("Mul", [c, c]));
      return g.node("Sqrt", [g.node("Add", [variance, x.scalar(`eps`, cfg.eps)])], {}, name);
    },
    normalized: (name) => {
      const folded = cfg.normalization_type !== "LN"; // LNPre: w and b were folded into the next weights
      const n = g.node("Div", [centered(), hooks.scale()], {}, folded ? name : undefined);
      if (folded) return n;
      return g.node("Add", [g.node("Mul", [n, x.weight(`${prefix}w`)]), x.weight(`${prefix}b`)], {}, name);
    },
  });
  return hooks.normalized;
}
