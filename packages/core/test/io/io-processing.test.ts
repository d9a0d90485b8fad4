// loadModelFiles: checkpoint formats (TransformerLens, Hugging Face GPT-2, NeelNanda's) and TransformerLens's weight
// processing, with its defaults per source and its warnings for what a model cannot take.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HookedTransformer, loadModelFiles, resolveConfig, writeSafetensors } from "../../src/index.js";
import { convertNeelConfig } from "../../src/convert/neel.js";
import { getKnownModel, KNOWN_MODELS } from "../../src/registry/known-models.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";
import { compareStateDicts, describeWithGpt2Fixture, gpt2Dir, gpt2Json, gpt2Tensors } from "../helpers/gpt2-fixture.js";
import { startServer } from "../helpers/http-server.js";

/** An attention-only model with standard positions, as safetensors bytes with its config. */
function standardModel() {
  const config = { ...smallConfig({ positional_embedding_type: "standard" }) };
  const weights = writeSafetensors(Object.fromEntries(randomStateDict(config)));
  return { config, weights };
}

describe("processing when loading", () => {
  it('a TransformerLens-format checkpoint loads as stored by default ("none")', async () => {
    const files = await loadModelFiles(standardModel());
    expect(files.format).toBe("transformer-lens");
    expect(Object.values(files.processing)).toEqual([false, false, false, false]);
  });

  it('"default" folds value biases and centres the unembedding; log-probabilities and loss do not move', async () => {
    const spec = standardModel();
    const raw = await loadModelFiles(spec);
    const done = await loadModelFiles(spec, { processing: "default" });
    // No LayerNorm: fold_ln and center_writing_weights do not apply.
    expect(done.processing).toEqual({
      fold_ln: false,
      center_writing_weights: false,
      center_unembed: true,
      fold_value_biases: true,
    });
    expect([...done.stateDict.get("blocks.1.attn.b_V")!.data].every((v) => v === 0)).toBe(true);
    const bU = done.stateDict.get("unembed.b_U")!.data as Float32Array;
    expect(Math.abs(bU.reduce((a, b) => a + b, 0) / bU.length)).toBeLessThan(1e-6);
    const tokens = [3, 17, 4, 40, 4, 17, 9];
    const run = async (f: typeof raw) =>
      (
        await new HookedTransformer(f.resolvedConfig, f.stateDict).runWithCache(tokens, {
          returnType: "loss",
          lossPerToken: true,
        })
      ).loss!.data;
    const [a, b] = [await run(raw), await run(done)];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 4);
  });

  it("a shortformer model skips fold_ln, center_writing_weights and center_unembed, and says so when asked for them", async () => {
    const config = smallConfig(); // shortformer
    const weights = writeSafetensors(Object.fromEntries(randomStateDict(config)));
    const warnings: string[] = [];
    const files = await loadModelFiles(
      { config, weights },
      { processing: "default", onWarning: (m) => warnings.push(m) },
    );
    expect(files.processing).toEqual({
      fold_ln: false,
      center_writing_weights: false,
      center_unembed: false,
      fold_value_biases: true,
    });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/fold_ln was requested for a shortformer model, but this can't be done/);
  });

  it("an unknown processing flag is refused by name", async () => {
    await expect(loadModelFiles(standardModel(), { processing: { fold_lnn: true } as never })).rejects.toThrow(
      /unknown flag "fold_lnn"/,
    );
  });
});

describe("the registry", () => {
  it("gpt2-small: GPT-2's TransformerLens config, Hugging Face weights, processed by default", () => {
    const m = getKnownModel("gpt2-small");
    expect(resolveConfig(m.config!)).toMatchObject({
      n_layers: 12,
      d_model: 768,
      n_heads: 12,
      d_head: 64,
      d_mlp: 3072,
      n_ctx: 1024,
      d_vocab: 50257,
      act_fn: "gelu_new",
      normalization_type: "LN",
      positional_embedding_type: "standard",
      attn_scale: 8,
    });
    expect(m).toMatchObject({
      format: "hf-gpt2",
      weights: "hf:openai-community/gpt2/model.safetensors",
      tokenizer: "hf:openai-community/gpt2/tokenizer.json",
    });
    expect(m.processing ?? "default").toBe("default");
    expect(KNOWN_MODELS["attn-only-2l-half"].processing).toBe("none");
  });

  it.each([1, 2, 3, 4])(
    "NeelNanda's %i-layer attn-only and gelu models read their repo's config.json and its listed file ending in final.pth",
    (n) => {
      expect(getKnownModel(`attn-only-${n}l`)).toMatchObject({
        configFile: `hf:NeelNanda/Attn_Only_${n}L512W_C4_Code/config.json`,
        weights: `hf:NeelNanda/Attn_Only_${n}L512W_C4_Code/*final.pth`,
        format: "neel",
      });
      expect(getKnownModel(`gelu-${n}l`).weights).toBe(`hf:NeelNanda/GELU_${n}L512W_C4_Code/*final.pth`);
    },
  );

  it("gpt2-small fetches Hugging Face's model.safetensors, converts it and checks it against GPT-2's config", async () => {
    // The Hub stand-in serves the tiny checkpoint under gpt2's name: conversion runs, then the shape check names it.
    const server = await startServer({
      "/openai-community/gpt2/resolve/main/model.safetensors": {
        body: new Uint8Array(readFileSync(`${gpt2Dir}/hf/model.safetensors`)),
      },
    });
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = server.url;
    try {
      await expect(loadModelFiles("gpt2-small", { cache: false })).rejects.toThrow(
        /^hf:openai-community\/gpt2\/model\.safetensors: wte\.weight has shape \[50257, 64\], expected \[50257, 768\][\s\S]*missing key h\.2\.ln_1\.weight/,
      );
      expect(server.requests).toEqual(["/openai-community/gpt2/resolve/main/model.safetensors"]);
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
      await server.close();
    }
  });
});

describe("NeelNanda's config.json", () => {
  // The fields his training script writes (solu/training), as TransformerLens's convert_neel_model_config reads them.
  const neel = {
    n_layers: 2,
    d_model: 512,
    d_mlp: 2048,
    d_head: 64,
    n_heads: 8,
    n_ctx: 1024,
    d_vocab: 48262,
    tokenizer_name: "NeelNanda/gpt-neox-tokenizer-digits",
    normalization: "LN",
    act_fn: "gelu",
    shortformer_pos: false,
    attn_only: false,
    ln_eps: 1e-5,
    lr_hidden: 0.002,
  };
  it("maps to TransformerLens's fields", () => {
    expect(resolveConfig(convertNeelConfig(neel))).toMatchObject({
      normalization_type: "LN",
      positional_embedding_type: "standard",
      act_fn: "gelu",
      d_mlp: 2048,
      original_architecture: "neel",
      tokenizer_name: "NeelNanda/gpt-neox-tokenizer-digits",
    });
    // Attention-only: the script's act_fn default means nothing and is dropped, as TransformerLens ignores it.
    const attnOnly = resolveConfig(
      convertNeelConfig({ ...neel, attn_only: true, act_fn: "solu_ln", shortformer_pos: true }),
    );
    expect(attnOnly).toMatchObject({ attn_only: true, act_fn: null, positional_embedding_type: "shortformer" });
  });
  it("refuses an old-format checkpoint and missing fields by name", () => {
    expect(() => convertNeelConfig({ ...neel, architecture: "neel-solu-old" })).toThrow(/"neel-solu-old"/);
    const { d_head: _, ...noHead } = neel;
    expect(() => convertNeelConfig(noHead, "c.json")).toThrow('c.json: field "d_head" is required');
  });
});

describeWithGpt2Fixture("a Hugging Face GPT-2 folder", () => {
  it("is recognised, converted and processed as from_pretrained does (LNPre, TransformerLens's processed state dict)", async () => {
    const files = await loadModelFiles(`${gpt2Dir}/hf`);
    expect(files.format).toBe("hf-gpt2");
    expect(files.processing).toEqual({
      fold_ln: true,
      center_writing_weights: true,
      center_unembed: true,
      fold_value_biases: true,
    });
    expect(files.resolvedConfig.normalization_type).toBe("LNPre");
    expect(compareStateDicts(files.stateDict, gpt2Tensors("processed/model.safetensors")).problems).toEqual([]);
  });

  it("Hugging Face weights given with a TransformerLens config are recognised by their names and converted", async () => {
    const files = await loadModelFiles({
      config: gpt2Json("tl/config.json"),
      weights: `${gpt2Dir}/hf/model.safetensors`,
    });
    expect(files.format).toBe("hf-gpt2");
    expect(compareStateDicts(files.stateDict, gpt2Tensors("processed/model.safetensors")).problems).toEqual([]);
  });

  it("a TransformerLens folder whose d_mlp disagrees with W_in is refused with both shapes", async () => {
    const config = { ...gpt2Json("tl/config.json"), d_mlp: 128 };
    await expect(loadModelFiles({ config, weights: `${gpt2Dir}/tl/model.safetensors` })).rejects.toThrow(
      /blocks\.0\.mlp\.W_in has shape \[64, 256\], expected \[d_model, d_mlp\] = \[64, 128\]/,
    );
  });
});
