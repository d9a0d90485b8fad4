/**
 * The model's forward pass as an ONNX graph, composed from the components' fragments (`fragments/`) in the
 * order `HookedTransformer.run` composes the components: embed and positions → blocks → ln_final. Nothing is
 * built until asked for: the exporter asks for the outputs, and only what they depend on enters the graph.
 *
 * Dimension legend: B batch, T seq, D d_model.
 */
import type { HookedTransformerConfig } from "../../config.js";
import type { StateDict } from "../../weights/state-dict.js";
import { ExportGraph, type ExportGraphOptions, type Lazy } from "./export-graph.js";
import { embedGraph } from "./fragments/embed.js";
import { layerNormGraph } from "./fragments/layer-norm.js";
import { blockGraph } from "./fragments/transformer-block.js";
import { unembedGraph, type UnembedGraph } from "./fragments/unembed.js";

/** What the export reads of a model (a HookedTransformer). */
export interface ExportSource {
  readonly cfg: HookedTransformerConfig;
  /** Per layer, what hook_attn_scores holds above the causal diagonal. */
  readonly attnIgnore: number[];
  /** The weights under their state-dict keys, in TransformerLens's layouts. */
  stateDict(): StateDict;
}

export interface ForwardGraph {
  x: ExportGraph;
  unembed: UnembedGraph;
}

export function forwardGraph(model: ExportSource, opts: ExportGraphOptions): ForwardGraph {
  const cfg = model.cfg;
  let weights: StateDict | undefined;
  const x = new ExportGraph(cfg, () => (weights ??= model.stateDict()), opts);
  const { g } = x;
  const { embed, posRows } = embedGraph(x);
  const shortformer = cfg.positional_embedding_type === "shortformer";
  const ignore = cfg.n_layers > 0 ? model.attnIgnore : [];
  let resid: Lazy | null = null;
  for (let l = 0; l < cfg.n_layers; l++) {
    const prev = resid;
    resid = blockGraph(x, l, {
      // Standard positions enter the residual stream once; shortformer ones only the queries' and keys' input.
      residPre: prev
        ? (name) => x.named(prev(), name)
        : shortformer
          ? (name) => x.named(embed(), name)
          : (name) => g.node("Add", [embed(), posRows()], {}, name),
      qkPositions: shortformer ? posRows : null,
      ignore: ignore[l],
    });
  }
  const last = resid ?? embed;
  const final = hasNorm(cfg) ? layerNormGraph(x, "ln_final.", last) : last;
  return { x, unembed: unembedGraph(x, final) };
}

function hasNorm(cfg: HookedTransformerConfig): boolean {
  return cfg.normalization_type === "LN" || cfg.normalization_type === "LNPre";
}
