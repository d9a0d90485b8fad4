import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { resolveHfUrl } from "../../src/io/hf.js";
import { KNOWN_MODELS, getKnownModel } from "../../src/registry/known-models.js";

describe("known-model registry", () => {
  it("attn-only-2l-half has ARENA's config, weights and tokenizer", () => {
    const m = getKnownModel("attn-only-2l-half");
    const cfg = resolveConfig(m.config, "attn-only-2l-half");
    expect(cfg).toMatchObject({
      d_model: 768,
      d_head: 64,
      n_heads: 12,
      n_layers: 2,
      n_ctx: 2048,
      d_vocab: 50278,
      d_vocab_out: 50278,
      attention_dir: "causal",
      attn_only: true,
      normalization_type: null,
      positional_embedding_type: "shortformer",
      use_attn_result: true,
      tokenizer_name: "EleutherAI/gpt-neox-20b",
      attn_scale: 8,
    });
    expect(resolveHfUrl(m.weights, "https://huggingface.co")).toBe(
      "https://huggingface.co/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth",
    );
    expect(resolveHfUrl(m.tokenizer, "https://huggingface.co")).toBe(
      "https://huggingface.co/EleutherAI/gpt-neox-20b/resolve/main/tokenizer.json",
    );
  });
  it("returns a copy: editing it does not change the registry", () => {
    getKnownModel("attn-only-2l-half").config.d_model = 1;
    expect(KNOWN_MODELS["attn-only-2l-half"].config.d_model).toBe(768);
  });
  it("an unknown name is an error listing the known names", () => {
    expect(() => getKnownModel("gpt2")).toThrow('unknown model "gpt2"; known models: attn-only-2l-half');
  });
});
