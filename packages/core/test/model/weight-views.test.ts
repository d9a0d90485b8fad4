/**
 * Weight views under TransformerLens's names and layouts, checked against the state dict the model was built
 * from (TransformerLens's own tensors in ../shared/fixtures/tl-attn2l-tiny/model.safetensors).
 */
import { expect, it } from "vitest";
import { FactoredMatrix, HookedTransformer, readSafetensors } from "../../src/index.js";
import { describeWithFixtures, readFixture, readGoldens } from "../helpers/fixtures.js";

describeWithFixtures("weight views", () => {
  const sd = readSafetensors(readFixture("model.safetensors"), "model.safetensors").tensors;
  const model = new HookedTransformer(readGoldens().config, sd);
  const stacked = (key: string) =>
    [0, 1].map((l) => Array.from(sd.get(`blocks.${l}.attn.${key}`)!.data as Float32Array));

  it("W_E, W_pos, W_U and b_U are views of the state dict's arrays (no copy)", () => {
    expect(model.W_E.shape).toEqual([50278, 64]);
    expect(model.W_E.data).toBe(sd.get("embed.W_E")!.data);
    expect(model.W_pos.data).toBe(sd.get("pos_embed.W_pos")!.data);
    expect(model.W_U.shape).toEqual([64, 50278]);
    expect(model.W_U.data).toBe(sd.get("unembed.W_U")!.data);
    expect(model.b_U.data).toBe(sd.get("unembed.b_U")!.data);
  });

  it("per-layer weights are stacked over layers in TransformerLens's layout", () => {
    for (const key of ["W_Q", "W_K", "W_V"] as const) {
      expect(model[key].shape).toEqual([2, 4, 64, 16]);
      expect(Array.from(model[key].data)).toEqual(stacked(key).flat());
    }
    expect(model.W_O.shape).toEqual([2, 4, 16, 64]);
    expect(Array.from(model.W_O.data)).toEqual(stacked("W_O").flat());
    for (const key of ["b_Q", "b_K", "b_V"] as const) {
      expect(model[key].shape).toEqual([2, 4, 16]);
      expect(Array.from(model[key].data)).toEqual(stacked(key).flat());
    }
    expect(model.b_O.shape).toEqual([2, 64]);
    expect(Array.from(model.b_O.data)).toEqual(stacked("b_O").flat());
    // element (l=1, h=2, m=5, d=3) of W_Q is blocks.1.attn.W_Q[2, 5, 3]
    expect(model.W_Q.at(1, 2, 5, 3)).toBe((sd.get("blocks.1.attn.W_Q")!.data as Float32Array)[(2 * 64 + 5) * 16 + 3]);
  });

  it("stateDict() is the file's state dict: every key and value (buffers: IGNORE only), big tensors shared", () => {
    const ours = model.stateDict();
    const file = [...sd.keys()].filter((k) => !k.endsWith(".mask"));
    expect([...ours.keys()].sort()).toEqual(file.sort());
    for (const [key, t] of ours) {
      const f = sd.get(key)!;
      expect(t.shape, key).toEqual(f.shape);
      expect(Array.from(t.data as Float32Array), key).toEqual(Array.from(f.data as Float32Array));
    }
    expect(ours.get("embed.W_E")!.data).toBe(sd.get("embed.W_E")!.data);
    // A model built from it computes what the original does.
    const again = new HookedTransformer(model.cfg, ours);
    expect(Array.from(again.W_Q.data)).toEqual(Array.from(model.W_Q.data));
  });

  it("QK and OV are FactoredMatrices [L, H, d_model, d_model]", () => {
    expect(model.QK).toBeInstanceOf(FactoredMatrix);
    expect(model.QK.shape).toEqual([2, 4, 64, 64]);
    expect(model.OV.shape).toEqual([2, 4, 64, 64]);
    // QK[1, 3][i, j] = W_Q[1, 3][i] · W_K[1, 3][j]
    const qk = model.QK.index(1, 3).AB;
    const wq = model.W_Q.index(1, 3),
      wk = model.W_K.index(1, 3);
    let ref = 0;
    for (let d = 0; d < 16; d++) ref += wq.at(7, d) * wk.at(11, d);
    expect(qk.at(7, 11)).toBeCloseTo(ref, 5);
    expect(model.allHeadLabels()).toEqual(["L0H0", "L0H1", "L0H2", "L0H3", "L1H0", "L1H1", "L1H2", "L1H3"]);
  });
});
