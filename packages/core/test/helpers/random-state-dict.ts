/** A small random attention-only model, for tests that need weights but not trained behaviour. */
import { resolveConfig, type HookedTransformerConfig, type StateDict } from "../../src/index.js";
import { randomStateDict as schemaRandomStateDict } from "../../src/architecture/params.js";

export function randomStateDict(cfg: HookedTransformerConfig, seed = 1, std = 0.3): StateDict {
  return schemaRandomStateDict(cfg, { seed, std });
}

export function smallConfig(overrides: Record<string, unknown> = {}): HookedTransformerConfig {
  return resolveConfig({
    d_model: 16,
    d_head: 4,
    n_heads: 3,
    n_layers: 2,
    n_ctx: 32,
    d_vocab: 50,
    attn_only: true,
    normalization_type: null,
    positional_embedding_type: "shortformer",
    use_attn_result: true,
    ...overrides,
  });
}
