// The model's public entry points refuse wrong configs, state dicts, inputs and options by name, and say when
// weights or outputs are not finite.
import { describe, expect, it } from "vitest";
import { ConfigError, HookedTransformer, resolveConfig, WeightsError } from "../../src/index.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const cfg = smallConfig();
const build = (c: unknown = cfg, sd = randomStateDict(cfg), opts = {}) => new HookedTransformer(c as never, sd, opts);

describe("the config is always validated", () => {
  it("resolving is idempotent", () => {
    expect(resolveConfig(cfg as never)).toEqual(cfg);
  });
  it("a config that looks resolved but holds a wrong type is refused by the constructor, naming the field", () => {
    expect(() => build({ ...cfg, seed: "abc" })).toThrow(ConfigError);
    expect(() => build({ ...cfg, seed: "abc" })).toThrow(
      /field "seed" must be a non-negative integer or null, got "abc"/,
    );
    expect(() => build({ ...cfg, n_ctx: 0 })).toThrow(/field "n_ctx" must be a positive integer, got 0/);
    expect(() => build({ ...cfg, attn_scale: "8" })).toThrow(/field "attn_scale"/);
    expect(() => build({ ...cfg, model_name: 3 })).toThrow(/field "model_name" must be a string, got 3/);
    expect(() => build({ ...cfg, tokenizer_name: {} })).toThrow(/field "tokenizer_name" must be a string or null/);
  });
  it('a missing normalization_type means "LN", as in TransformerLens, and is refused with that explanation', () => {
    const { normalization_type: _, ...noNorm } = cfg;
    expect(() => resolveConfig(noNorm as never, "config.json")).toThrow(
      /config\.json: field "normalization_type" is missing, which TransformerLens reads as "LN".*must say "normalization_type": null/,
    );
  });
});

describe("the state dict is checked as TransformerLens's strict load_state_dict does", () => {
  it("an unknown key is reported", () => {
    const sd = randomStateDict(cfg);
    sd.set("blocks.0.mlp.W_in", { dtype: "float32", shape: [1], data: new Float32Array(1) });
    expect(() => build(cfg, sd, { source: "w.safetensors" })).toThrow(WeightsError);
    expect(() => build(cfg, sd, { source: "w.safetensors" })).toThrow(
      /w\.safetensors: unexpected key for this config.*blocks\.0\.mlp\.W_in/,
    );
  });
  it("a missing key and a wrong shape are reported together", () => {
    const sd = randomStateDict(cfg);
    sd.delete("blocks.1.attn.W_K");
    sd.set("unembed.b_U", { dtype: "float32", shape: [3], data: new Float32Array(3) });
    expect(() => build(cfg, sd)).toThrow(/missing key blocks\.1\.attn\.W_K[\s\S]*unembed\.b_U has shape \[3\]/);
  });
  it("a state dict that is not a Map is named", () => {
    expect(() => build(cfg, null as never)).toThrow(/state dict must be a Map/);
  });
});

describe("non-finite weights are reported when the model is built", () => {
  const withNaN = () => {
    const sd = randomStateDict(cfg);
    const { d_model: D, d_head: Dh } = cfg;
    sd.get("blocks.0.attn.W_Q")!.data[(2 * D + 5) * Dh + 3] = NaN; // [2, 5, 3] of [H, D, Dh]
    return sd;
  };
  it("refused by default, naming the weight, the count and the index", () => {
    expect(() => build(cfg, withNaN(), { source: "m.pth" })).toThrow(
      /^m\.pth: W_Q of layer 0 \(blocks\.0\.attn\.W_Q\) holds 1 NaN at \[2, 5, 3\]\n.*allowNonFinite: true/,
    );
  });
  it("several values and kinds are counted", () => {
    const sd = randomStateDict(cfg);
    const e = sd.get("embed.W_E")!.data as Float32Array;
    e[17] = Infinity;
    e[40] = NaN;
    e[41] = -Infinity;
    expect(() => build(cfg, sd)).toThrow(
      /W_E \(embed\.W_E\) holds 1 NaN and 1 \+Infinity and 1 -Infinity \(the first at \[1, 1\]\)/,
    );
  });
  it("allowNonFinite builds the model, and a run whose outputs are not finite says so", async () => {
    const model = build(cfg, withNaN(), { allowNonFinite: true });
    const r = await model.forward([0, 1, 2]);
    expect(r.nonFinite).toMatch(/^the run's logits holds \d+ NaN/);
    const ok = await build().forward([0, 1, 2], { returnType: "both" });
    expect(ok.nonFinite).toBeUndefined();
  });
});

describe("wrong argument types are refused naming the method and option", () => {
  const model = build();
  it("runWithCache(null)", async () => {
    await expect(model.runWithCache(null as never)).rejects.toThrow(
      /^runWithCache: input must be text, an array of token ids or a batch of token-id arrays, got null$/,
    );
  });
  it("forward(42) and runWithHooks({})", async () => {
    await expect(model.forward(42 as never)).rejects.toThrow(/forward: input must be .*got number 42/);
    await expect(model.runWithHooks({} as never)).rejects.toThrow(/runWithHooks: input must be/);
  });
  it('returnType: "banana"', async () => {
    await expect(model.forward([0, 1], { returnType: "banana" as never })).rejects.toThrow(
      /forward: returnType must be one of "logits", "loss", "both", "none", got "banana"/,
    );
    await expect(model.runWithCache([0, 1], { returnType: "banana" as never })).rejects.toThrow(
      /runWithCache: returnType/,
    );
  });
  it("boolean options, names filters and hooks", async () => {
    await expect(model.runWithCache([0, 1], { removeBatchDim: "yes" as never })).rejects.toThrow(
      /removeBatchDim must be true or false, got "yes"/,
    );
    await expect(model.runWithCache([0, 1], { namesFilter: 3 as never })).rejects.toThrow(
      /namesFilter must be a hook name/,
    );
    await expect(model.runWithHooks([0, 1], { fwdHooks: [["hook_embed"]] as never })).rejects.toThrow(
      /fwdHooks\[0\] must be a \[name or filter, hook function\] pair/,
    );
    await expect(model.forward([0, 1], null as never)).rejects.toThrow(/forward: options must be an object, got null/);
  });
});
