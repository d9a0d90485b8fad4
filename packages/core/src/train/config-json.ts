import type { HookedTransformerConfig } from "../config.js";

/**
 * The `config.json` of a trained model: TransformerLens `HookedTransformerConfig` keyword arguments,
 * snake_case, loadable by `HookedTransformerConfig(**json)` and by attnscope's `resolveConfig`.
 */
export function trainingConfigJson(cfg: HookedTransformerConfig): Record<string, unknown> {
  return {
    d_model: cfg.d_model,
    d_head: cfg.d_head,
    n_heads: cfg.n_heads,
    n_layers: cfg.n_layers,
    n_ctx: cfg.n_ctx,
    d_vocab: cfg.d_vocab,
    attention_dir: "causal",
    attn_only: true,
    use_attn_result: cfg.use_attn_result,
    normalization_type: null,
    positional_embedding_type: cfg.positional_embedding_type,
    seed: cfg.seed,
    default_prepend_bos: cfg.default_prepend_bos,
    tokenizer_name: cfg.tokenizer_name,
    model_name: cfg.model_name,
  };
}
