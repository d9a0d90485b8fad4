/**
 * What the trainer trains: attention-only models without LayerNorm (its forward and backward passes have no
 * LayerNorm or MLP). Other configs the model runs are refused by name before anything is allocated.
 */
import { ConfigError, type HookedTransformerConfig } from "../config.js";

export function checkTrainable(cfg: HookedTransformerConfig, source: string): void {
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`${source}: field "${field}" ${why}`, field);
  };
  if (!cfg.attn_only)
    fail("attn_only", "must be true: the trainer trains attention-only models (it has no MLP backward pass)");
  if (cfg.normalization_type !== null)
    fail(
      "normalization_type",
      `must be null: the trainer has no LayerNorm backward pass (got ${JSON.stringify(cfg.normalization_type)}; ` +
        "a missing normalization_type means LayerNorm, as in TransformerLens)",
    );
  if (cfg.scale_attn_by_inverse_layer_idx) fail("scale_attn_by_inverse_layer_idx", "must be false for training");
}
