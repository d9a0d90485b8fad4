import { describe, expect, it } from "vitest";
import { resolveConfig, ConfigError } from "../src/index.js";

const arena = {
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
};

describe("resolveConfig", () => {
  it("fills TransformerLens's derived defaults", () => {
    const cfg = resolveConfig(arena);
    expect(cfg.attn_scale).toBe(8); // sqrt(d_head)
    expect(cfg.d_vocab_out).toBe(50278);
    expect(cfg.initializer_range).toBeCloseTo(0.8 / Math.sqrt(768), 12);
    expect(cfg.default_prepend_bos).toBe(true);
    expect(cfg.positional_embedding_type).toBe("shortformer");
    const small = resolveConfig({
      d_model: 64,
      n_heads: 4,
      n_layers: 1,
      n_ctx: 8,
      d_vocab: 10,
      attn_only: true,
      normalization_type: null,
    });
    expect(small.d_head).toBe(16); // d_model / n_heads
    expect(small.positional_embedding_type).toBe("standard"); // TransformerLens's default
    expect(small.use_attn_result).toBe(false);
  });

  it("accepts a fully resolved TransformerLens config (every field of __post_init__)", () => {
    const resolved = {
      ...arena,
      model_name: "custom",
      d_mlp: null,
      act_fn: null,
      eps: 1e-5,
      use_attn_scale: true,
      attn_scale: 8.0,
      use_split_qkv_input: false,
      use_hook_mlp_in: false,
      use_attn_in: false,
      use_local_attn: false,
      original_architecture: null,
      from_checkpoint: false,
      checkpoint_index: null,
      checkpoint_label_type: null,
      checkpoint_value: null,
      window_size: null,
      attn_types: null,
      init_mode: "gpt2",
      n_devices: 1,
      initializer_range: 0.1,
      init_weights: true,
      scale_attn_by_inverse_layer_idx: false,
      final_rms: false,
      d_vocab_out: 50278,
      parallel_attn_mlp: false,
      rotary_dim: null,
      n_params: 1,
      use_hook_tokens: false,
      gated_mlp: false,
      default_prepend_bos: true,
      dtype: "torch.float32",
      tokenizer_prepends_bos: null,
      n_key_value_heads: null,
      post_embedding_ln: false,
      rotary_base: 10000,
      trust_remote_code: false,
      rotary_adjacent_pairs: false,
      load_in_4bit: false,
      num_experts: null,
      experts_per_token: null,
      relative_attention_max_distance: null,
      relative_attention_num_buckets: null,
      decoder_start_token_id: null,
      tie_word_embeddings: false,
      use_normalization_before_and_after: false,
      attn_scores_soft_cap: -1.0,
      output_logits_soft_cap: -1.0,
      use_NTK_by_parts_rope: false,
      NTK_by_parts_low_freq_factor: 1.0,
      NTK_by_parts_high_freq_factor: 4.0,
      NTK_by_parts_factor: 8.0,
      ungroup_grouped_query_attention: false,
    };
    expect(resolveConfig(resolved).initializer_range).toBe(0.1);
  });

  it.each([
    // An MLP model needs its activation (TransformerLens's __post_init__ asserts it).
    [{ attn_only: false }, "act_fn", /is required when attn_only is false/],
    [
      { normalization_type: "RMS" },
      "normalization_type",
      /"RMS" is not supported \(supported: "LN", "LNPre" or null\)/,
    ],
    [{ positional_embedding_type: "rotary" }, "positional_embedding_type", /"shortformer" or "standard".*"rotary"/],
    [{ attention_dir: "bidirectional" }, "attention_dir", /must be "causal"/],
    [{ d_mlp: 0 }, "d_mlp", /must be a positive integer or null, got 0/],
    [{ n_key_value_heads: 4 }, "n_key_value_heads", /not supported/],
    [{ d_model: 0 }, "d_model", /positive integer/],
    [{ d_head: 6.5 }, "d_head", /positive integer/],
    [{ n_heads: undefined }, "n_heads", /is required/],
    [{ act_fn: "solu_ln" }, "act_fn", /"solu_ln" is not supported/],
    [{ some_new_field: 1 }, "some_new_field", /not a TransformerLens config field/],
  ])("refuses %j naming the field", (override, field, message) => {
    let err: unknown;
    try {
      resolveConfig({ ...arena, ...override }, "config.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
    expect((err as Error).message).toMatch(`config.json: field "${field}"`);
    expect((err as Error).message).toMatch(message);
  });
});

// GPT-2's TransformerLens config, as tl-gpt2-tiny's tl/config.json holds it (from_pretrained_no_processing).
const gpt2Tiny = {
  d_model: 64,
  d_head: 16,
  n_heads: 4,
  d_mlp: 256,
  n_layers: 2,
  n_ctx: 128,
  eps: 1e-5,
  d_vocab: 50257,
  act_fn: "gelu_new",
  use_attn_scale: true,
  use_local_attn: false,
  scale_attn_by_inverse_layer_idx: false,
  normalization_type: "LN",
  original_architecture: "GPT2LMHeadModel",
  positional_embedding_type: "standard",
  seed: 3,
  tokenizer_name: "gpt2",
};

describe("resolveConfig: the GPT-2 family's fields", () => {
  it("reads GPT-2's config with TransformerLens's defaults", () => {
    const cfg = resolveConfig(gpt2Tiny);
    expect(cfg).toMatchObject({
      attn_only: false,
      normalization_type: "LN",
      eps: 1e-5,
      d_mlp: 256,
      act_fn: "gelu_new",
      original_architecture: "GPT2LMHeadModel",
      positional_embedding_type: "standard",
      attn_scale: 4,
    });
    expect(resolveConfig(cfg)).toEqual(cfg); // idempotent
    expect(resolveConfig({ ...gpt2Tiny, normalization_type: "LNPre" }).normalization_type).toBe("LNPre");
  });

  it("fills what TransformerLens's __post_init__ fills: LN when normalization_type is missing, d_mlp = 4·d_model, eps 1e-5", () => {
    const { normalization_type: _n, d_mlp: _d, eps: _e, ...bare } = gpt2Tiny;
    const cfg = resolveConfig(bare);
    expect(cfg.normalization_type).toBe("LN");
    expect(cfg.d_mlp).toBe(256);
    expect(cfg.eps).toBe(1e-5);
    // attn_only: d_mlp is kept as given (NeelNanda's attention-only configs carry one) and not required.
    const attnOnly = resolveConfig({ ...arena, normalization_type: "LN", d_mlp: 3072 });
    expect(attnOnly).toMatchObject({ attn_only: true, d_mlp: 3072, act_fn: null });
  });

  it.each(["gelu", "gelu_new", "gelu_fast", "relu", "silu"])("accepts act_fn %j", (act_fn) => {
    expect(resolveConfig({ ...gpt2Tiny, act_fn }).act_fn).toBe(act_fn);
  });

  it.each([
    [{ act_fn: "solu_ln" }, "act_fn", /"solu_ln" is not supported \(supported: "gelu", "gelu_new"/],
    [{ act_fn: undefined }, "act_fn", /required when attn_only is false/],
    [
      { normalization_type: "RMS" },
      "normalization_type",
      /"RMS" is not supported \(supported: "LN", "LNPre" or null\)/,
    ],
    [{ eps: -1 }, "eps", /finite number ≥ 0/],
    [{ d_mlp: 0 }, "d_mlp", /positive integer or null/],
    [{ final_rms: true }, "final_rms", /not supported/],
    [{ positional_embedding_type: "rotary" }, "positional_embedding_type", /"rotary"/],
    [{ scale_attn_by_inverse_layer_idx: "yes" }, "scale_attn_by_inverse_layer_idx", /must be a boolean/],
    [{ original_architecture: 7 }, "original_architecture", /string or null/],
  ])("refuses %j naming the field", (override, field, message) => {
    expect(() => resolveConfig({ ...gpt2Tiny, ...override }, "tl/config.json")).toThrow(
      expect.objectContaining({ name: "ConfigError", field, message: expect.stringMatching(message) }),
    );
  });
});
