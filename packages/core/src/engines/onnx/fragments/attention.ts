/**
 * Causal multi-head attention as a graph fragment (components/attention.ts): `hook_q`, `hook_k`, `hook_v`
 * [B, T, H, Dh], `hook_attn_scores` and `hook_pattern` [B, H, T, T], `hook_z` (scaled per head by `head_mask`
 * when the graph has it), `hook_result` [B, T, H, D] with use_attn_result, and the output z · W_O + b_O.
 * The weights are in TransformerLens's layouts ([H, D, Dh]); the graph reshapes them to [D, H·Dh], and
 * onnxruntime folds those constant reshapes once at session start.
 *
 * Dimension legend: B batch, T seq, D d_model, H n_heads, Dh d_head, HD = H·Dh.
 */
import { ATTENTION_HOOKS } from "../../../components/attention.js";
import { offerHooks, type ExportGraph, type Lazy } from "../export-graph.js";

export interface AttentionInputs {
  /** The values' input [B, T, D]: ln1's output, or resid_pre without LayerNorm. */
  x: Lazy;
  /** The queries' and keys' input: x, plus the positions with shortformer embeddings. */
  qk: Lazy;
}

export interface AttentionGraph {
  /** z · W_O + b_O [B, T, D], named `name`. */
  out(name: string): string;
}

type AttnHook = "q" | "k" | "v" | "attn_scores" | "pattern" | "z" | "result";

/** The fragment of layer `layer`'s attention; `ignore` is what hook_attn_scores holds above the diagonal. */
export function attentionGraph(x: ExportGraph, layer: number, input: AttentionInputs, ignore: number): AttentionGraph {
  const { g, cfg } = x;
  const { d_model: D, n_heads: H, d_head: Dh } = cfg;
  const HD = H * Dh;
  const p = `blocks.${layer}.attn.`;
  // GPT-2's scale_attn_by_inverse_layer_idx divides layer l's scores by l + 1 as well.
  const scale = cfg.attn_scale * (cfg.scale_attn_by_inverse_layer_idx ? layer + 1 : 1);
  const headsIn = (w: string, b: string, v: string, name: string) => {
    const W = g.node("Reshape", [
      g.node("Transpose", [x.weight(`${p}${w}`)], { perm: [1, 0, 2] }),
      x.ints("shape_D_HD", [D, HD]),
    ]);
    const bias = g.node("Reshape", [x.weight(`${p}${b}`), x.ints("shape_HD", [HD])]);
    const y = g.node("Add", [g.node("MatMul", [v, W]), bias]);
    return g.node("Reshape", [y, x.ints("shape_heads", [0, 0, H, Dh])], {}, name);
  };
  const hooks: Record<AttnHook, Lazy> = offerHooks<AttnHook>(
    x,
    p,
    ATTENTION_HOOKS,
    {
      q: (name) => headsIn("W_Q", "b_Q", input.qk(), name),
      k: (name) => headsIn("W_K", "b_K", input.qk(), name),
      v: (name) => headsIn("W_V", "b_V", input.x(), name),
      attn_scores: (name) => {
        const q = g.node("Transpose", [hooks.q()], { perm: [0, 2, 1, 3] }); // [B, H, T, Dh]
        const kT = g.node("Transpose", [hooks.k()], { perm: [0, 2, 3, 1] }); // [B, H, Dh, T]
        const scaled = g.node("Div", [g.node("MatMul", [q, kT]), x.scalar(`${p}scale`, scale)]);
        return g.node("Where", [x.above(), x.scalar(`${p}IGNORE`, ignore), scaled], {}, name);
      },
      pattern: (name) => g.node("Softmax", [hooks.attn_scores()], { axis: -1 }, name),
      z: (name) => {
        const v = g.node("Transpose", [hooks.v()], { perm: [0, 2, 1, 3] });
        const pv = g.node("MatMul", [hooks.pattern(), v]); // [B, H, T, Dh]
        if (!x.headMask) return g.node("Transpose", [pv], { perm: [0, 2, 1, 3] }, name);
        const z = g.node("Transpose", [pv], { perm: [0, 2, 1, 3] });
        const mask = g.node("Gather", [x.headMask, x.ints(`layer${layer}`, [layer], [])]); // [H]
        return g.node("Mul", [z, g.node("Reshape", [mask, x.ints("shape_H_1", [H, 1])])], {}, name);
      },
      // [B, T, H, 1, Dh] · [H, Dh, D] → [B, T, H, 1, D]: each head's output without b_O.
      result: (name) => {
        const z = g.node("Unsqueeze", [hooks.z(), x.ints("axes_3", [3])]);
        return g.node("Squeeze", [g.node("MatMul", [z, x.weight(`${p}W_O`)]), x.ints("axes_3", [3])], {}, name);
      },
    },
    (h) => h !== "result" || cfg.use_attn_result,
  );
  return {
    out: (name) => {
      const z = g.node("Reshape", [hooks.z(), x.ints("shape_flat", [0, 0, HD])]);
      const W_O = g.node("Reshape", [x.weight(`${p}W_O`), x.ints("shape_HD_D", [HD, D])]);
      return g.node("Add", [g.node("MatMul", [z, W_O]), x.weight(`${p}b_O`)], {}, name);
    },
  };
}
