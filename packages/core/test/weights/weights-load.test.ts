import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { checkStateDict, detectFormat, parseWeights } from "../../src/weights/load.js";
import { writeSafetensors } from "../../src/weights/safetensors.js";
import type { StateDict } from "../../src/weights/state-dict.js";
import { describeWithFixtures, readFixture, readGoldens } from "../helpers/fixtures.js";
import { writePth } from "../helpers/torch-zip.js";

const cfg = resolveConfig({
  d_model: 64,
  d_head: 16,
  n_heads: 4,
  n_layers: 2,
  n_ctx: 256,
  d_vocab: 50278,
  attn_only: true,
  normalization_type: null,
  positional_embedding_type: "shortformer",
});

/** A state dict with the right keys and shapes for `cfg`, zeros everywhere (shapes from independent reasoning). */
function validStateDict(): StateDict {
  const sd: StateDict = new Map();
  const add = (key: string, shape: number[]) =>
    sd.set(key, { dtype: "float32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  add("embed.W_E", [50278, 64]);
  add("pos_embed.W_pos", [256, 64]);
  for (const l of [0, 1]) {
    for (const w of ["W_Q", "W_K", "W_V"]) add(`blocks.${l}.attn.${w}`, [4, 64, 16]);
    add(`blocks.${l}.attn.W_O`, [4, 16, 64]);
    for (const b of ["b_Q", "b_K", "b_V"]) add(`blocks.${l}.attn.${b}`, [4, 16]);
    add(`blocks.${l}.attn.b_O`, [64]);
  }
  add("unembed.W_U", [64, 50278]);
  add("unembed.b_U", [50278]);
  return sd;
}

describe("detectFormat", () => {
  it("tells zip, safetensors and other bytes apart by their magic", () => {
    expect(detectFormat(writePth({ w: { dtype: "float32", shape: [1], data: [1] } }))).toBe("pth");
    expect(detectFormat(writeSafetensors({ w: { dtype: "float32", shape: [1], data: [1] } }))).toBe("safetensors");
    expect(detectFormat(new TextEncoder().encode('{"d_model": 768}'))).toBe("unknown");
    expect(detectFormat(new Uint8Array(3))).toBe("unknown");
  });
  it("parseWeights reads either format to the same state dict", () => {
    const t = { w: { dtype: "float32" as const, shape: [2], data: [1.5, -2] } };
    expect([...parseWeights(writePth(t), "a.pth").get("w")!.data]).toEqual([1.5, -2]);
    expect([...parseWeights(writeSafetensors(t), "a.safetensors").get("w")!.data]).toEqual([1.5, -2]);
  });
});

describe("checkStateDict", () => {
  it("accepts the architecture's keys, with or without the mask and IGNORE buffers", () => {
    const sd = validStateDict();
    expect(() => checkStateDict(sd, cfg, "model.pth")).not.toThrow();
    sd.set("blocks.0.attn.mask", { dtype: "bool", shape: [256, 256], data: new Uint8Array(256 * 256) });
    sd.set("blocks.0.attn.IGNORE", { dtype: "float32", shape: [], data: Float32Array.of(-Infinity) });
    expect(() => checkStateDict(sd, cfg, "model.pth")).not.toThrow();
  });

  it("names a wrong shape with the symbolic and the concrete expected shape", () => {
    const sd = validStateDict();
    sd.set("blocks.0.attn.W_Q", { dtype: "float32", shape: [4, 64, 8], data: new Float32Array(4 * 64 * 8) });
    expect(() => checkStateDict(sd, cfg, "model.pth")).toThrow(
      "model.pth: blocks.0.attn.W_Q has shape [4, 64, 8], expected [n_heads, d_model, d_head] = [4, 64, 16]",
    );
  });

  it("names a missing key and its expected shape", () => {
    const sd = validStateDict();
    sd.delete("blocks.1.attn.b_O");
    expect(() => checkStateDict(sd, cfg, "model.pth")).toThrow(
      "model.pth: missing key blocks.1.attn.b_O, expected shape [d_model] = [64]",
    );
  });

  it("names unknown keys (e.g. a model with more layers or MLPs)", () => {
    const sd = validStateDict();
    sd.set("blocks.2.attn.W_Q", { dtype: "float32", shape: [4, 64, 16], data: new Float32Array(4096) });
    sd.set("blocks.0.mlp.W_in", { dtype: "float32", shape: [64, 256], data: new Float32Array(64 * 256) });
    expect(() => checkStateDict(sd, cfg, "model.pth")).toThrow(
      "model.pth: unexpected keys for this config (2 layers, attention-only): blocks.2.attn.W_Q, blocks.0.mlp.W_in",
    );
  });

  it("refuses a buffer of the wrong size and an integer weight", () => {
    const sd = validStateDict();
    sd.set("blocks.0.attn.mask", { dtype: "bool", shape: [128, 128], data: new Uint8Array(128 * 128) });
    sd.set("unembed.b_U", { dtype: "int64", shape: [50278], data: new BigInt64Array(50278) });
    let message = "";
    try {
      checkStateDict(sd, cfg, "m.pth");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "m.pth: blocks.0.attn.mask has shape [128, 128], expected [n_ctx, n_ctx] = [256, 256]",
      "m.pth: unembed.b_U has dtype int64, expected a floating-point tensor",
    ]);
  });
});

describeWithFixtures("checkStateDict on the fixture weights", () => {
  it("the three fixture weight files pass against the fixture config", () => {
    const config = resolveConfig(readGoldens().config);
    for (const f of ["model.pth", "model-fp16.pth", "model.safetensors"]) {
      expect(() => checkStateDict(parseWeights(readFixture(f), f), config, f)).not.toThrow();
    }
  });
  it("the fixture weights fail against the full-size config, naming the first mismatch", () => {
    const big = resolveConfig({ ...readGoldens().config, d_model: 768, d_head: 64, n_heads: 12, n_ctx: 2048 });
    expect(() =>
      checkStateDict(parseWeights(readFixture("model.safetensors"), "model.safetensors"), big, "model.safetensors"),
    ).toThrow(
      /^model\.safetensors: embed\.W_E has shape \[50278, 64\], expected \[d_vocab, d_model\] = \[50278, 768\]/,
    );
  });
});
