/**
 * `HookedTransformerConfig`: TransformerLens's config, with its snake_case names, validated and with
 * TransformerLens's derived defaults filled in (`attn_scale`, `d_vocab_out`, `initializer_range`, ...).
 *
 * Only what attnscope computes is accepted: attention-only, causal, `shortformer` or `standard`
 * positions, no normalization. Anything else is refused with an error naming the field, rather than
 * silently computing something TransformerLens would not. As in TransformerLens, a missing
 * `normalization_type` means "LN" (LayerNorm), which is refused until attnscope has LayerNorm: a config
 * without normalization says `"normalization_type": null`.
 *
 * `resolveConfig` is idempotent: a resolved config resolves to itself, so every entry point can validate.
 */
export type PositionalEmbeddingType = "shortformer" | "standard";

export interface HookedTransformerConfig {
  d_model: number;
  d_head: number;
  n_heads: number;
  n_layers: number;
  n_ctx: number;
  d_vocab: number;
  d_vocab_out: number;
  /** Only `true` is accepted today (`resolveConfig` refuses models with MLPs). */
  attn_only: boolean;
  attention_dir: "causal";
  normalization_type: null;
  positional_embedding_type: PositionalEmbeddingType;
  use_attn_result: boolean;
  use_attn_scale: boolean;
  /** Divisor of q·k; TransformerLens default `sqrt(d_head)`. */
  attn_scale: number;
  initializer_range: number;
  default_prepend_bos: boolean;
  seed: number | null;
  tokenizer_name: string | null;
  model_name: string;
}

/** Config as found in a `config.json`: TransformerLens keyword arguments, snake_case. */
export type HookedTransformerConfigInput = Partial<Record<keyof HookedTransformerConfig, unknown>> &
  Record<string, unknown>;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

const REQUIRED_INTS = ["d_model", "n_heads", "n_layers", "n_ctx", "d_vocab"] as const;

/**
 * Fields of TransformerLens's config that attnscope does not implement, with the only value(s) accepted
 * (TransformerLens's own default, or what the fixture's `resolved_config` holds for this architecture).
 */
const MUST_BE: Record<string, readonly unknown[]> = {
  d_mlp: [null, undefined],
  act_fn: [null, undefined],
  use_split_qkv_input: [false],
  use_hook_mlp_in: [false],
  use_attn_in: [false],
  use_local_attn: [false],
  window_size: [null],
  attn_types: [null],
  scale_attn_by_inverse_layer_idx: [false],
  final_rms: [false],
  parallel_attn_mlp: [false],
  rotary_dim: [null],
  gated_mlp: [false],
  n_key_value_heads: [null],
  ungroup_grouped_query_attention: [false],
  post_embedding_ln: [false],
  num_experts: [null],
  experts_per_token: [null],
  relative_attention_max_distance: [null],
  relative_attention_num_buckets: [null],
  tie_word_embeddings: [false],
  use_normalization_before_and_after: [false],
  attn_scores_soft_cap: [-1, -1.0],
  output_logits_soft_cap: [-1, -1.0],
  use_NTK_by_parts_rope: [false],
  load_in_4bit: [false],
  n_devices: [1],
  dtype: ["torch.float32", "float32", "torch.float16", "float16", "torch.bfloat16", "bfloat16"],
};

/** Fields that are harmless bookkeeping for a forward pass; accepted and ignored. */
const IGNORED = new Set([
  "eps",
  "original_architecture",
  "from_checkpoint",
  "checkpoint_index",
  "checkpoint_label_type",
  "checkpoint_value",
  "init_mode",
  "init_weights",
  "n_params",
  "use_hook_tokens",
  "tokenizer_prepends_bos",
  "rotary_base",
  "trust_remote_code",
  "rotary_adjacent_pairs",
  "decoder_start_token_id",
  "NTK_by_parts_low_freq_factor",
  "NTK_by_parts_high_freq_factor",
  "NTK_by_parts_factor",
  "device",
  "experts_per_token",
  "default_padding_side",
  "tokenizer_name",
]);

const HANDLED = new Set<string>([
  "d_model",
  "d_head",
  "n_heads",
  "n_layers",
  "n_ctx",
  "d_vocab",
  "d_vocab_out",
  "attn_only",
  "attention_dir",
  "normalization_type",
  "positional_embedding_type",
  "use_attn_result",
  "use_attn_scale",
  "attn_scale",
  "initializer_range",
  "default_prepend_bos",
  "seed",
  "tokenizer_name",
  "model_name",
]);

function isPositiveInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}

/** Validate a TransformerLens config dict and fill in TransformerLens's derived defaults. */
export function resolveConfig(
  config: HookedTransformerConfigInput | HookedTransformerConfig,
  source = "config",
): HookedTransformerConfig {
  // A resolved config is validated like any other input (resolving is idempotent), never trusted by its shape.
  const input = config as HookedTransformerConfigInput;
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError(`${source}: expected an object of TransformerLens config fields`);
  }
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`${source}: field "${field}" ${why}`, field);
  };

  for (const f of REQUIRED_INTS) {
    if (input[f] === undefined) fail(f, "is required");
    if (!isPositiveInt(input[f])) fail(f, `must be a positive integer, got ${JSON.stringify(input[f])}`);
  }
  const d_model = input.d_model as number;
  const n_heads = input.n_heads as number;
  let d_head: number;
  if (input.d_head === undefined) {
    if (d_model % n_heads !== 0)
      fail("d_head", `is missing and d_model ${d_model} is not divisible by n_heads ${n_heads}`);
    d_head = d_model / n_heads;
  } else if (!isPositiveInt(input.d_head)) {
    return fail("d_head", `must be a positive integer, got ${JSON.stringify(input.d_head)}`);
  } else {
    d_head = input.d_head;
  }

  if (input.attn_only !== true) {
    fail(
      "attn_only",
      `must be true: attnscope runs attention-only models (got ${JSON.stringify(input.attn_only ?? false)})`,
    );
  }
  const attention_dir = input.attention_dir ?? "causal";
  if (attention_dir !== "causal") fail("attention_dir", `must be "causal" (got ${JSON.stringify(attention_dir)})`);
  if (input.normalization_type === undefined) {
    fail(
      "normalization_type",
      'is missing, which TransformerLens reads as "LN" (a LayerNorm before each attention layer and the unembed); ' +
        'attnscope does not implement layer norm yet, so a model without normalization must say "normalization_type": null',
    );
  }
  const normalization_type = input.normalization_type;
  if (normalization_type !== null) {
    fail("normalization_type", `must be null: layer norm is not supported (got ${JSON.stringify(normalization_type)})`);
  }
  const pos = input.positional_embedding_type ?? "standard";
  if (pos !== "shortformer" && pos !== "standard") {
    fail("positional_embedding_type", `must be "shortformer" or "standard" (got ${JSON.stringify(pos)})`);
  }

  for (const [field, allowed] of Object.entries(MUST_BE)) {
    if (!(field in input)) continue;
    if (!allowed.includes(input[field])) {
      fail(
        field,
        `= ${JSON.stringify(input[field])} is not supported (supported: ${allowed
          .filter((a) => a !== undefined)
          .map((a) => JSON.stringify(a))
          .join(" or ")})`,
      );
    }
  }
  for (const field of Object.keys(input)) {
    if (!HANDLED.has(field) && !IGNORED.has(field) && !(field in MUST_BE)) {
      fail(field, "is not a TransformerLens config field attnscope knows");
    }
  }

  const d_vocab = input.d_vocab as number;
  let d_vocab_out = input.d_vocab_out ?? -1;
  if (d_vocab_out === -1) d_vocab_out = d_vocab;
  if (!isPositiveInt(d_vocab_out))
    fail("d_vocab_out", `must be a positive integer or -1, got ${JSON.stringify(d_vocab_out)}`);

  const use_attn_scale = input.use_attn_scale ?? true;
  if (typeof use_attn_scale !== "boolean")
    fail("use_attn_scale", `must be a boolean, got ${JSON.stringify(use_attn_scale)}`);
  // TransformerLens's default is -1, meaning "sqrt(d_head)".
  let attn_scale = (input.attn_scale as number | undefined) ?? -1;
  if (attn_scale === -1) attn_scale = Math.sqrt(d_head);
  if (!use_attn_scale) attn_scale = 1;
  if (typeof attn_scale !== "number" || !(attn_scale > 0) || !Number.isFinite(attn_scale)) {
    fail("attn_scale", `must be a positive number or -1, got ${JSON.stringify(input.attn_scale)}`);
  }

  const use_attn_result = input.use_attn_result ?? false;
  if (typeof use_attn_result !== "boolean")
    fail("use_attn_result", `must be a boolean, got ${JSON.stringify(use_attn_result)}`);
  const default_prepend_bos = input.default_prepend_bos ?? true;
  if (typeof default_prepend_bos !== "boolean")
    fail("default_prepend_bos", `must be a boolean, got ${JSON.stringify(default_prepend_bos)}`);
  const initializer_range = input.initializer_range ?? 0.8 / Math.sqrt(d_model);
  if (typeof initializer_range !== "number" || !(initializer_range > 0) || !Number.isFinite(initializer_range)) {
    fail("initializer_range", `must be a positive number, got ${JSON.stringify(input.initializer_range)}`);
  }
  const seed = input.seed ?? null;
  if (seed !== null && !(typeof seed === "number" && Number.isSafeInteger(seed) && seed >= 0)) {
    fail("seed", `must be a non-negative integer or null, got ${JSON.stringify(seed)}`);
  }
  const tokenizer_name = input.tokenizer_name ?? null;
  if (tokenizer_name !== null && typeof tokenizer_name !== "string")
    fail("tokenizer_name", `must be a string or null, got ${JSON.stringify(tokenizer_name)}`);
  const model_name = input.model_name ?? "custom";
  if (typeof model_name !== "string") fail("model_name", `must be a string, got ${JSON.stringify(model_name)}`);

  return {
    d_model,
    d_head,
    n_heads,
    n_layers: input.n_layers as number,
    n_ctx: input.n_ctx as number,
    d_vocab,
    d_vocab_out: d_vocab_out as number,
    attn_only: true,
    attention_dir: "causal",
    normalization_type: null,
    positional_embedding_type: pos as PositionalEmbeddingType,
    use_attn_result: use_attn_result as boolean,
    use_attn_scale: use_attn_scale as boolean,
    attn_scale,
    initializer_range: initializer_range as number,
    default_prepend_bos: default_prepend_bos as boolean,
    seed: seed as number | null,
    tokenizer_name: tokenizer_name as string | null,
    model_name: model_name as string,
  };
}
