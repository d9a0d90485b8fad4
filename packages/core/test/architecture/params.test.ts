import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { paramSchema, packHeadsIn, unpackHeadsIn, zeroParams, paramArray } from "../../src/architecture/params.js";
import { paramEntries } from "../../src/train/params.js";
import { parseWeights, resolveConfig } from "../../src/index.js";
import { describeWithFixtures, readFixture, tinyDir } from "../helpers/fixtures.js";

describeWithFixtures("the parameter schema", () => {
  const cfg = resolveConfig(JSON.parse(readFileSync(path.join(tinyDir, "config.json"), "utf8")));
  const sd = parseWeights(readFixture("model.pth"), "model.pth");

  it("names every tensor TransformerLens saved, with its shape, in TransformerLens's own state-dict order", () => {
    const schema = paramSchema(cfg);
    // model.pth is torch.save(model.state_dict()): its keys come in the module's registration order.
    expect(schema.filter((s) => sd.has(s.key)).map((s) => s.key)).toEqual([...sd.keys()]);
    for (const s of schema) {
      const t = sd.get(s.key);
      if (!t) {
        expect(s.optional, s.key).toBe(true);
        continue;
      }
      expect(t.shape, s.key).toEqual(s.shape);
    }
  });

  it("the trainer's parameter list is the schema's trainable part, in the same order", () => {
    const keys = paramEntries(zeroParams(cfg)).map((e) => e.key);
    expect(keys).toEqual(
      paramSchema(cfg)
        .filter((s) => s.kind !== "buffer")
        .map((s) => s.key),
    );
    expect(keys.filter((k) => /\.b_\w+$/.test(k))).toEqual(
      paramEntries(zeroParams(cfg))
        .filter((e) => !e.decay)
        .map((e) => e.key),
    );
  });
});

describe("head layouts", () => {
  it("packHeadsIn puts W[h, m, d] at [m, h·Dh + d], and unpackHeadsIn undoes it", () => {
    const [H, D, Dh] = [3, 4, 2];
    const w = Float32Array.from({ length: H * D * Dh }, (_, i) => i);
    const p = packHeadsIn(w, H, D, Dh);
    for (let h = 0; h < H; h++)
      for (let m = 0; m < D; m++)
        for (let d = 0; d < Dh; d++) expect(p[m * H * Dh + h * Dh + d]).toBe(w[(h * D + m) * Dh + d]);
    expect(unpackHeadsIn(p, H, D, Dh)).toEqual(w);
  });

  it("zeroParams has one array per trainable entry, of the schema's size", () => {
    const cfg = resolveConfig({
      d_model: 8,
      n_heads: 2,
      n_layers: 2,
      n_ctx: 5,
      d_vocab: 7,
      attn_only: true,
      normalization_type: null,
    });
    const p = zeroParams(cfg);
    for (const s of paramSchema(cfg).filter((x) => x.kind !== "buffer"))
      expect(paramArray(p, s).length, s.key).toBe(s.shape.reduce((a, b) => a * b, 1));
  });
});
