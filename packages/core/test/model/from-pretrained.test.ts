import { describe, expect, it } from "vitest";
import {
  HookedTransformer,
  ByteTokenizer,
  DEFAULT_MODEL_NAME,
  firstAttnDetector,
  HfTokenizer,
  loadEmbeddedModelFiles,
  prevAttnDetector,
  tsBackend,
  writeSafetensors,
} from "../../src/index.js";
import { describeWithFixtures, fixturePath, readGoldens } from "../helpers/fixtures.js";
import { sharedDir } from "../helpers/fixtures.js";
import path from "node:path";

const seed =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this century. If current machine learning techniques were scaled up to this level, we think they would by default produce systems that are deceptive or manipulative, and that no solid plans are known for how to avoid this.";

describe("HookedTransformer.fromPretrained", () => {
  it.runIf(DEFAULT_MODEL_NAME === "attnscope-byte-2l")(
    "with no source loads the embedded default model with its byte tokenizer, offline",
    async () => {
      const model = await HookedTransformer.fromPretrained(undefined, { backend: "ts" });
      expect(model.tokenizer).toBeInstanceOf(ByteTokenizer);
      expect(model.cfg.n_layers).toBe(2);
      expect(model.cfg.positional_embedding_type).toBe("shortformer");
      const tokens = model.toTokens(seed);
      expect(tokens[0]).toBe(model.tokenizer!.bosTokenId);
      expect(tokens.length).toBe(new TextEncoder().encode(seed).length + 1);
      const { cache } = await model.runWithCache(seed, { removeBatchDim: true, returnType: "none" });
      expect(cache.get("pattern", 1).shape).toEqual([model.cfg.n_heads, tokens.length, tokens.length]);
    },
  );

  it.runIf(DEFAULT_MODEL_NAME === "attnscope-bpe-2l")(
    "with no source loads the embedded default model with its tokenizer.json tokenizer, offline",
    async () => {
      const model = await HookedTransformer.fromPretrained(undefined, { backend: "ts" });
      expect(model.tokenizer).toBeInstanceOf(HfTokenizer);
      expect(model.cfg.model_name).toBe("attnscope-bpe-2l");
      expect(model.cfg.n_layers).toBe(2);
      expect(model.cfg.positional_embedding_type).toBe("shortformer");
      const tokens = model.toTokens(seed);
      expect(tokens[0]).toBe(0);
      expect(model.tokenizer!.decode(tokens.slice(1))).toBe(seed);
      expect(tokens.length).toBeLessThan(seed.length / 3); // subword tokens
      const { cache } = await model.runWithCache(seed, { removeBatchDim: true, returnType: "none" });
      expect(cache.get("pattern", 1).shape).toEqual([model.cfg.n_heads, tokens.length, tokens.length]);
    },
  );

  it("loads the byte-level embedded model by name, offline, and rejects names it does not know", async () => {
    const model = await HookedTransformer.fromPretrained("attnscope-byte-2l", { backend: "ts" });
    expect(model.tokenizer).toBeInstanceOf(ByteTokenizer);
    expect(model.cfg.model_name).toBe("attnscope-byte-2l");
    expect(model.toTokens(seed).length).toBe(new TextEncoder().encode(seed).length + 1);
    await expect(loadEmbeddedModelFiles("attnscope-nope")).rejects.toThrow(
      /^no embedded model "attnscope-nope"; embedded models: .*attnscope-byte-2l/,
    );
  });

  it("picks the kernels engine by default and plain TypeScript on request", async () => {
    const auto = await HookedTransformer.fromPretrained();
    expect(auto.backend.name).toMatch(/^kernels/);
    const ts = await HookedTransformer.fromPretrained(undefined, { backend: "ts" });
    expect(ts.backend).toBe(tsBackend);
  });

  it("takes explicit bytes for config and weights", async () => {
    const config = {
      d_model: 8,
      d_head: 4,
      n_heads: 2,
      n_layers: 1,
      n_ctx: 8,
      d_vocab: 257,
      attn_only: true,
      normalization_type: null,
      positional_embedding_type: "shortformer",
      tokenizer_name: "byte",
    };
    const z = (shape: number[]) => ({
      dtype: "float32" as const,
      shape,
      data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
    });
    const weights = writeSafetensors({
      "embed.W_E": z([257, 8]),
      "pos_embed.W_pos": z([8, 8]),
      "blocks.0.attn.W_Q": z([2, 8, 4]),
      "blocks.0.attn.W_K": z([2, 8, 4]),
      "blocks.0.attn.W_V": z([2, 8, 4]),
      "blocks.0.attn.W_O": z([2, 4, 8]),
      "blocks.0.attn.b_Q": z([2, 4]),
      "blocks.0.attn.b_K": z([2, 4]),
      "blocks.0.attn.b_V": z([2, 4]),
      "blocks.0.attn.b_O": z([8]),
      "unembed.W_U": z([8, 257]),
      "unembed.b_U": z([257]),
    });
    const model = await HookedTransformer.fromPretrained({ config, weights }, { backend: "ts" });
    expect(model.tokenizer).toBeInstanceOf(ByteTokenizer); // tokenizer_name "byte"
    // All-zero weights: uniform attention over the causal prefix, uniform next-token distribution.
    const { cache, loss } = await model.runWithCache("abc", {
      removeBatchDim: true,
      returnType: "loss",
      lossPerToken: true,
    });
    expect(cache.get("pattern", 0).at(1, 3, 0)).toBeCloseTo(0.25, 6);
    expect(loss!.data[0]).toBeCloseTo(Math.log(257), 5);
  });
});

describeWithFixtures("fromPretrained on the TransformerLens fixture folder", () => {
  it("loads config.json + model.safetensors and a tokenizer override, and reproduces the golden detector lists", async () => {
    const goldens = readGoldens() as unknown as {
      inputs: {
        name: string;
        text: string;
        tokens: number[];
        heads: { previous_token: string[]; first_token: string[] };
      }[];
    };
    const model = await HookedTransformer.fromPretrained(path.dirname(fixturePath("config.json")), {
      tokenizer: path.join(sharedDir, "tokenizers", "gpt-neox-20b.json"),
    });
    const input = goldens.inputs.find((i) => i.name === "seed_text")!;
    expect(model.toTokens(input.text)).toEqual(input.tokens);
    const { cache } = await model.runWithCache(input.text, { removeBatchDim: true, returnType: "none" });
    expect(prevAttnDetector(cache).heads).toEqual(input.heads.previous_token);
    expect(firstAttnDetector(cache).heads).toEqual(input.heads.first_token);
  });
});
