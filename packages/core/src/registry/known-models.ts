/**
 * Models attnscope knows by name: their TransformerLens config (or where their checkpoint's config.json is),
 * where their weights and tokenizer live, the checkpoint's format and the weight processing loading them by
 * name applies, as TransformerLens's `from_pretrained` does. Weights are fetched (and cached) on first use.
 */
import type { HookedTransformerConfigInput } from "../config.js";
import type { WeightProcessing } from "../processing/weight-processing.js";

/**
 * How a checkpoint's config.json and weights are laid out: TransformerLens's own (`HookedTransformerConfig`
 * fields, a TransformerLens state dict), Hugging Face's GPT-2 (converted as `convert_gpt2_weights` does), or
 * NeelNanda's toy models (his training config, a TransformerLens state dict).
 */
export type CheckpointFormat = "transformer-lens" | "hf-gpt2" | "neel";

export interface KnownModel {
  name: string;
  description: string;
  /** TransformerLens `HookedTransformerConfig` keyword arguments; absent when `configFile` is read instead. */
  config?: HookedTransformerConfigInput;
  /** The checkpoint's own config.json (`hf:owner/repo/config.json`), read in `format`, when there is no `config`. */
  configFile?: string;
  /** @default "transformer-lens" */
  format?: CheckpointFormat;
  /** Weights source: `hf:owner/repo/file`, or `hf:owner/repo/*suffix` for the first listed file ending so. */
  weights: string;
  /** tokenizer.json source. */
  tokenizer: string;
  /** Weight processing when loaded by name (an explicit `processing` option wins). @default "default" */
  processing?: WeightProcessing;
}

/**
 * NeelNanda's toy models (TransformerLens's `attn-only-Nl` / `gelu-Nl`): config.json, and as weights the first
 * file of the repository ending in "final.pth", as TransformerLens picks it from the repository's listing.
 */
function neelModel(name: string, repo: string, description: string): KnownModel {
  return {
    name,
    description,
    configFile: `hf:${repo}/config.json`,
    format: "neel",
    weights: `hf:${repo}/*final.pth`,
    tokenizer: "hf:NeelNanda/gpt-neox-tokenizer-digits/tokenizer.json",
  };
}

const NEEL_MODELS = [1, 2, 3, 4].flatMap((n) => [
  neelModel(
    `attn-only-${n}l`,
    `NeelNanda/Attn_Only_${n}L512W_C4_Code`,
    `NeelNanda's ${n}-layer attention-only toy model (d_model 512, LayerNorm), trained on C4 and code`,
  ),
  neelModel(
    `gelu-${n}l`,
    `NeelNanda/GELU_${n}L512W_C4_Code`,
    `NeelNanda's ${n}-layer toy model with GELU MLPs (d_model 512, d_mlp 2048), trained on C4 and code`,
  ),
]);

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
    // ARENA builds it with HookedTransformer(cfg) and load_state_dict: the weights as stored.
    processing: "none",
  },
  "gpt2-small": {
    name: "gpt2-small",
    description:
      "OpenAI's GPT-2 small (124M: 12 layers, d_model 768, 12 heads), from Hugging Face's openai-community/gpt2",
    // convert_hf_model_config of the checkpoint's config.json.
    config: {
      d_model: 768,
      d_head: 64,
      n_heads: 12,
      d_mlp: 3072,
      n_layers: 12,
      n_ctx: 1024,
      eps: 1e-5,
      d_vocab: 50257,
      act_fn: "gelu_new",
      use_attn_scale: true,
      use_local_attn: false,
      scale_attn_by_inverse_layer_idx: false,
      normalization_type: "LN",
      original_architecture: "GPT2LMHeadModel",
      positional_embedding_type: "standard",
      tokenizer_name: "openai-community/gpt2",
      model_name: "gpt2-small",
    },
    format: "hf-gpt2",
    weights: "hf:openai-community/gpt2/model.safetensors",
    tokenizer: "hf:openai-community/gpt2/tokenizer.json",
  },
  ...Object.fromEntries(NEEL_MODELS.map((m) => [m.name, m])),
});

export function isKnownModel(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(KNOWN_MODELS, name);
}

export function getKnownModel(name: string): KnownModel {
  if (!isKnownModel(name)) {
    throw new Error(`unknown model "${name}"; known models: ${Object.keys(KNOWN_MODELS).join(", ")}`);
  }
  const m = KNOWN_MODELS[name];
  return m.config ? { ...m, config: { ...m.config } } : { ...m };
}
