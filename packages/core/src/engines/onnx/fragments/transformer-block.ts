/**
 * One residual block as a graph fragment (components/transformer-block.ts), in TransformerLens's order:
 * resid_pre → (ln1 →) attention → attn_out → resid_post = resid_pre + attn_out (attention-only), or
 * resid_mid = resid_pre + attn_out → (ln2 →) mlp → mlp_out → resid_post = resid_mid + mlp_out. Shortformer
 * positions are added to the queries' and keys' input (ln1's output) only.
 *
 * Dimension legend: B batch, T seq, D d_model.
 */
import { BLOCK_HOOKS_AFTER, BLOCK_HOOKS_BEFORE, BLOCK_HOOKS_MLP } from "../../../components/transformer-block.js";
import { offerHooks, type ExportGraph, type Lazy } from "../export-graph.js";
import { attentionGraph } from "./attention.js";
import { layerNormGraph } from "./layer-norm.js";
import { mlpGraph } from "./mlp.js";

export interface BlockGraphInput {
  /** Builds the block's input [B, T, D], named as given when it is computed here. */
  residPre: (name: string) => string;
  /** The position rows [T, D] for the queries' and keys' input (shortformer), else null. */
  qkPositions: Lazy | null;
  /** What hook_attn_scores holds above the causal diagonal (the state dict's IGNORE, else -inf). */
  ignore: number;
}

/** The fragment of block `layer`; returns its resid_post. */
export function blockGraph(x: ExportGraph, layer: number, input: BlockGraphInput): Lazy {
  const { g, cfg } = x;
  const p = `blocks.${layer}.`;
  const norm = cfg.normalization_type === "LN" || cfg.normalization_type === "LNPre";
  const { resid_pre: residPre } = offerHooks(x, p, BLOCK_HOOKS_BEFORE, { resid_pre: input.residPre });
  const attnIn = norm ? layerNormGraph(x, `${p}ln1.`, residPre) : residPre;
  const pos = input.qkPositions;
  const qk = pos ? () => x.once(`${p}qk_in`, () => g.node("Add", [attnIn(), pos()])) : attnIn;
  const attn = attentionGraph(x, layer, { x: attnIn, qk }, input.ignore);

  // Offered in TransformerLens's firing order: attn_out, then the MLP half, then resid_post.
  let residMid: Lazy | null = null;
  let mlpOut: Lazy | null = null;
  const afterBuilders: Record<"attn_out" | "resid_post", (name: string) => string> = {
    attn_out: (name: string) => attn.out(name),
    resid_post: (name: string) =>
      residMid && mlpOut
        ? g.node("Add", [residMid(), mlpOut()], {}, name)
        : g.node("Add", [residPre(), attnOut()], {}, name),
  };
  const attnOut: Lazy = offerHooks(x, p, BLOCK_HOOKS_AFTER, afterBuilders, (h) => h === "attn_out").attn_out;
  if (!cfg.attn_only) {
    const halfBuilders: Record<"resid_mid" | "mlp_out", (name: string) => string> = {
      resid_mid: (name) => g.node("Add", [residPre(), attnOut()], {}, name),
      mlp_out: (name) => mlp.out(name),
    };
    const mid: Lazy = offerHooks(x, p, BLOCK_HOOKS_MLP, halfBuilders, (h) => h === "resid_mid").resid_mid;
    const mlp = mlpGraph(x, layer, norm ? layerNormGraph(x, `${p}ln2.`, mid) : mid);
    residMid = mid;
    mlpOut = offerHooks(x, p, BLOCK_HOOKS_MLP, halfBuilders, (h) => h === "mlp_out").mlp_out;
  }
  return offerHooks(x, p, BLOCK_HOOKS_AFTER, afterBuilders, (h) => h === "resid_post").resid_post;
}
