/**
 * Models attnscope knows by name: their TransformerLens config and where their weights and tokenizer
 * live. Weights are fetched (and cached) on first use.
 */
import type { HookedTransformerConfigInput } from "../config.js";

export interface KnownModel {
  name: string;
  description: string;
  /** TransformerLens `HookedTransformerConfig` keyword arguments. */
  config: HookedTransformerConfigInput;
  /** Weights source (`hf:owner/repo/file`). */
  weights: string;
  /** tokenizer.json source. */
  tokenizer: string;
}

export const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = Object.freeze({
  "attn-only-2l-half": {
    name: "attn-only-2l-half",
    description:
      'ARENA\'s 2-layer attention-only model from "Finding induction heads" (callummcdougall/attn_only_2L_half)',
    config: {
      d_model: 768,
      d_head: 64,
      n_heads: 12,
      n_layers: 2,
      n_ctx: 2048,
      d_vocab: 50278,
      attention_dir: "causal",
      attn_only: true,
      tokenizer_name: "EleutherAI/gpt-neox-20b",
      seed: 398,
      use_attn_result: true,
      normalization_type: null,
      positional_embedding_type: "shortformer",
      model_name: "attn-only-2l-half",
    },
    weights: "hf:callummcdougall/attn_only_2L_half/attn_only_2L_half.pth",
    tokenizer: "hf:EleutherAI/gpt-neox-20b/tokenizer.json",
  },
});

export function isKnownModel(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(KNOWN_MODELS, name);
}

export function getKnownModel(name: string): KnownModel {
  if (!isKnownModel(name)) {
    throw new Error(`unknown model "${name}"; known models: ${Object.keys(KNOWN_MODELS).join(", ")}`);
  }
  const m = KNOWN_MODELS[name];
  return { ...m, config: { ...m.config } };
}
