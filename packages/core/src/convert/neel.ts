/**
 * The `config.json` of NeelNanda's toy models (`attn-only-1l` … `4l`, `gelu-1l` … `4l`: his training script's
 * config, not TransformerLens's) → TransformerLens config fields, as TransformerLens's
 * `convert_neel_model_config` maps them. The weights are already a TransformerLens state dict (the repository's `…final.pth`).
 */
import { ConfigError, type HookedTransformerConfigInput } from "../config.js";

const COPIED = ["d_model", "n_layers", "d_mlp", "d_head", "n_heads", "n_ctx", "d_vocab", "attn_only"] as const;

export function convertNeelConfig(json: Record<string, unknown>, source = "config.json"): HookedTransformerConfigInput {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new ConfigError(`${source}: expected a JSON object`);
  for (const f of [...COPIED, "act_fn"]) {
    if (json[f] === undefined) throw new ConfigError(`${source}: field "${f}" is required`, f);
  }
  const architecture = json.architecture ?? "neel";
  if (architecture !== "neel") {
    // "neel-solu-old" checkpoints have another state-dict layout.
    throw new ConfigError(`${source}: unsupported architecture ${JSON.stringify(architecture)}`, "architecture");
  }
  const out: HookedTransformerConfigInput = {};
  for (const f of COPIED) out[f] = json[f];
  // An attention-only model has no MLP, so its act_fn (often the script's default "solu_ln") means nothing,
  // as in TransformerLens, which never reads it.
  if (json.attn_only !== true) out.act_fn = json.act_fn;
  if (json.tokenizer_name !== undefined) out.tokenizer_name = json.tokenizer_name;
  out.final_rms = json.final_rms ?? false;
  out.original_architecture = "neel";
  out.normalization_type = "normalization" in json ? json.normalization : json.normalization_type;
  out.positional_embedding_type = json.shortformer_pos === true ? "shortformer" : "standard";
  return out;
}
