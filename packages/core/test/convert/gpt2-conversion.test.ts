// Hugging Face GPT-2 → TransformerLens (config and state dict), and TransformerLens's weight processing, against
// what TransformerLens 2.14 itself made of tl-gpt2-tiny: key for key, within 1e-4 × max(1, |golden|).
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig, WeightsError, type StateDict } from "../../src/index.js";
import { convertGpt2Weights, convertHfGpt2Config, isHfConfig } from "../../src/convert/hf-gpt2.js";
import { processWeights, processingFlags } from "../../src/processing/weight-processing.js";
import { compareStateDicts, describeWithGpt2Fixture, gpt2Json, gpt2Tensors } from "../helpers/gpt2-fixture.js";

describeWithGpt2Fixture("tl-gpt2-tiny: Hugging Face checkpoint → TransformerLens", () => {
  const hfConfig = gpt2Json("hf/config.json");
  const hfWeights = gpt2Tensors("hf/model.safetensors");
  const tlConfig = gpt2Json("tl/config.json");
  const converted = () => {
    const cfg = resolveConfig(convertHfGpt2Config(hfConfig, "hf/config.json"), "hf/config.json");
    return { cfg, sd: convertGpt2Weights(hfWeights, cfg, "hf/model.safetensors") };
  };

  it("the config maps to TransformerLens's, field for field", () => {
    expect(isHfConfig(hfConfig)).toBe(true);
    expect(isHfConfig(tlConfig)).toBe(false);
    // The generator added seed and tokenizer_name; the rest is convert_hf_model_config's dict.
    const { seed: _s, tokenizer_name: _t, ...fromCheckpoint } = tlConfig;
    expect(convertHfGpt2Config(hfConfig)).toEqual(fromCheckpoint);
    const { cfg } = converted();
    expect({ ...cfg, seed: 3, tokenizer_name: "gpt2" }).toEqual(resolveConfig(tlConfig));
  });

  it("the weights are TransformerLens's unprocessed state dict (from_pretrained_no_processing)", () => {
    const { problems } = compareStateDicts(converted().sd, gpt2Tensors("tl/model.safetensors"));
    expect(problems).toEqual([]);
  });

  it("with or without the transformer. prefix, and with an explicit lm_head", () => {
    const prefixed: StateDict = new Map([...hfWeights].map(([k, t]) => [`transformer.${k}`, t]));
    const { cfg, sd } = converted();
    expect(compareStateDicts(convertGpt2Weights(prefixed, cfg), sd).problems).toEqual([]);
    // An untied head: W_U is lm_head.weightᵀ, not wteᵀ.
    const V = cfg.d_vocab,
      D = cfg.d_model;
    const head = new Float32Array(V * D).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const untied = new Map(prefixed).set("lm_head.weight", { dtype: "float32", shape: [V, D], data: head });
    const wU = convertGpt2Weights(untied, cfg).get("unembed.W_U")!;
    expect(wU.shape).toEqual([D, V]);
    for (const [v, m] of [
      [0, 0],
      [123, 45],
      [V - 1, D - 1],
    ])
      expect(wU.data[m * V + v]).toBe(head[v * D + m]);
  });

  it("default processing gives TransformerLens's from_pretrained state dict and LNPre", () => {
    const { cfg, sd } = converted();
    const processed = processWeights(sd, cfg, "default", "hf/model.safetensors");
    expect(processed.applied).toEqual(processingFlags("default"));
    expect(processed.notes).toEqual([]);
    expect(processed.normalization_type).toBe(gpt2Json("processed/config.json").normalization_type);
    expect(compareStateDicts(processed.stateDict, gpt2Tensors("processed/model.safetensors")).problems).toEqual([]);
    // Pure: the unprocessed state dict is unchanged.
    expect(compareStateDicts(sd, gpt2Tensors("tl/model.safetensors")).problems).toEqual([]);
  });

  it("processing TransformerLens's own unprocessed state dict (a TL-format folder) gives the same", () => {
    const processed = processWeights(gpt2Tensors("tl/model.safetensors"), resolveConfig(tlConfig));
    expect(compareStateDicts(processed.stateDict, gpt2Tensors("processed/model.safetensors")).problems).toEqual([]);
  });

  it('"none" leaves the weights as they are', () => {
    const { cfg, sd } = converted();
    const none = processWeights(sd, cfg, "none");
    expect(none.stateDict).toBe(sd);
    expect(none.normalization_type).toBe("LN");
  });

  it("a checkpoint missing ln_f is refused, naming the key", () => {
    const noLnF = new Map(hfWeights);
    noLnF.delete("ln_f.weight");
    const { cfg } = converted();
    expect(() => convertGpt2Weights(noLnF, cfg, "hf/model.safetensors")).toThrow(WeightsError);
    expect(() => convertGpt2Weights(noLnF, cfg, "hf/model.safetensors")).toThrow(
      /^hf\/model\.safetensors: missing key ln_f\.weight, expected shape \[64\] \(the final LayerNorm/,
    );
  });

  it("mis-shaped and unexpected keys are all reported by name", () => {
    const bad = new Map(hfWeights);
    bad.set("h.1.mlp.c_fc.weight", { dtype: "float32", shape: [64, 128], data: new Float32Array(64 * 128) });
    bad.set("h.2.attn.c_attn.weight", { dtype: "float32", shape: [1], data: new Float32Array(1) });
    const { cfg } = converted();
    expect(() => convertGpt2Weights(bad, cfg, "m.safetensors")).toThrow(
      /m\.safetensors: h\.1\.mlp\.c_fc\.weight has shape \[64, 128\], expected \[64, 256\][\s\S]*unexpected key for a 2-layer GPT-2 checkpoint: h\.2\.attn\.c_attn\.weight/,
    );
  });
});

describe("Hugging Face configs attnscope does not convert", () => {
  it.each([
    [
      { model_type: "gpt_neox", architectures: ["GPTNeoXForCausalLM"] },
      /model_type "gpt_neox" \("GPTNeoXForCausalLM"\)/,
    ],
    [{ architectures: ["LlamaForCausalLM"] }, /model_type null \("LlamaForCausalLM"\)/],
    [{ model_type: "gpt2", architectures: ["GPT2ForSequenceClassification"] }, /"GPT2ForSequenceClassification"/],
  ])("%j is refused, naming the architecture", (hf, message) => {
    expect(() =>
      convertHfGpt2Config({ n_embd: 64, n_head: 4, n_layer: 1, vocab_size: 9, n_positions: 8, ...hf }),
    ).toThrow(expect.objectContaining({ name: "ConfigError", message: expect.stringMatching(message) }));
  });

  it("GPT-2 options that change the computation are mapped or refused by name", () => {
    const base = { model_type: "gpt2", n_embd: 64, n_head: 4, n_layer: 1, vocab_size: 9, n_positions: 8 };
    const cfg = resolveConfig(convertHfGpt2Config({ ...base, n_inner: 100, scale_attn_weights: false }));
    expect(cfg).toMatchObject({ d_mlp: 100, use_attn_scale: false, attn_scale: 1, n_ctx: 8, act_fn: "gelu_new" });
    expect(() => convertHfGpt2Config({ ...base, activation_function: "quick_gelu" })).toThrow(
      /"activation_function" = "quick_gelu" is not supported/,
    );
    expect(() => convertHfGpt2Config({ ...base, add_cross_attention: true })).toThrow(ConfigError);
  });
});

describe("processing options", () => {
  it("flags: a missing flag keeps its default; unknown flags and values are refused by name", () => {
    expect(processingFlags({ fold_ln: false })).toEqual({
      fold_ln: false,
      center_writing_weights: true,
      center_unembed: true,
      fold_value_biases: true,
    });
    expect(() => processingFlags({ fold_layer_norm: true } as never)).toThrow(/unknown flag "fold_layer_norm"/);
    expect(() => processingFlags({ fold_ln: "yes" } as never)).toThrow(/"fold_ln" must be a boolean/);
    expect(() => processingFlags("all" as never)).toThrow(/"default", "none"/);
  });

  it("a shortformer model skips fold_ln, center_writing_weights and center_unembed, saying why, as TransformerLens does", () => {
    const cfg = {
      n_layers: 1,
      d_model: 2,
      n_heads: 1,
      d_head: 2,
      attn_only: true,
      normalization_type: null,
      positional_embedding_type: "shortformer",
    } as const;
    const t = (shape: number[], values: number[]) => ({
      dtype: "float32" as const,
      shape,
      data: Float32Array.from(values),
    });
    const sd: StateDict = new Map([
      ["blocks.0.attn.W_O", t([1, 2, 2], [1, 2, 3, 4])],
      ["blocks.0.attn.b_V", t([1, 2], [1, -1])],
      ["blocks.0.attn.b_O", t([2], [0.5, 0.25])],
      ["unembed.W_U", t([2, 3], [1, 2, 3, 4, 5, 6])],
      ["unembed.b_U", t([3], [1, 2, 3])],
    ]);
    const out = processWeights(sd, cfg);
    expect(out.applied).toEqual({
      fold_ln: false,
      center_writing_weights: false,
      center_unembed: false,
      fold_value_biases: true,
    });
    expect(out.notes.join("\n")).toMatch(/fold_ln was requested for a shortformer model, but this can't be done/);
    expect(out.notes).toHaveLength(3);
    // b_O += b_V · W_O = [0.5 + 1·1 − 1·3, 0.25 + 1·2 − 1·4]; W_U untouched.
    expect([...out.stateDict.get("blocks.0.attn.b_O")!.data]).toEqual([-1.5, -1.75]);
    expect([...out.stateDict.get("blocks.0.attn.b_V")!.data]).toEqual([0, 0]);
    expect(out.stateDict.get("unembed.W_U")).toBe(sd.get("unembed.W_U"));
    expect([...sd.get("blocks.0.attn.b_O")!.data]).toEqual([0.5, 0.25]); // input not modified
  });
});
