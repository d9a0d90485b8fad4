/**
 * The token and positional embeddings as graph fragments (components/embed.ts, components/pos-embed.ts):
 * `hook_embed` = W_E[tokens] [B, T, D]; the position rows W_pos[0 … T − 1] [T, D], and `hook_pos_embed`, those
 * rows broadcast over the batch as TransformerLens returns them.
 *
 * Dimension legend: B batch, T seq, D d_model.
 */
import { EMBED_HOOKS } from "../../../components/embed.js";
import { POS_EMBED_HOOKS } from "../../../components/pos-embed.js";
import { offerHooks, type ExportGraph, type Lazy } from "../export-graph.js";

export interface EmbedGraph {
  /** hook_embed [B, T, D]. */
  embed: Lazy;
  /** W_pos rows 0 … T − 1 [T, D], broadcast wherever they are added. */
  posRows: Lazy;
}

export function embedGraph(x: ExportGraph): EmbedGraph {
  const { g } = x;
  const { embed } = offerHooks(x, "", EMBED_HOOKS, {
    embed: (name) => g.node("Gather", [x.weight("embed.W_E"), x.tokens], {}, name),
  });
  const posRows = () => x.once("pos_rows", () => g.node("Gather", [x.weight("pos_embed.W_pos"), x.positions()]));
  offerHooks(x, "", POS_EMBED_HOOKS, {
    pos_embed: (name) => g.node("Expand", [posRows(), g.node("Shape", [embed()])], {}, name),
  });
  return { embed, posRows };
}
