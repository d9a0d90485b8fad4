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
    [{ attn_only: false }, "attn_only", /must be true/],
    [{ normalization_type: "LN" }, "normalization_type", /layer norm is not supported.*"LN"/],
    [{ positional_embedding_type: "rotary" }, "positional_embedding_type", /"shortformer" or "standard".*"rotary"/],
    [{ attention_dir: "bidirectional" }, "attention_dir", /must be "causal"/],
    [{ d_mlp: 3072 }, "d_mlp", /3072 is not supported/],
    [{ n_key_value_heads: 4 }, "n_key_value_heads", /not supported/],
    [{ d_model: 0 }, "d_model", /positive integer/],
    [{ d_head: 6.5 }, "d_head", /positive integer/],
    [{ n_heads: undefined }, "n_heads", /is required/],
    [{ act_fn: "gelu" }, "act_fn", /not supported/],
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
