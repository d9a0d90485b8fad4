/** A few circuit computations on a small seeded model, run both in Node and in the browser bundle test. */
import { HookedTransformer } from "../../src/model/hooked-transformer.js";
import { FactoredMatrix } from "../../src/linalg/factored-matrix.js";
import { compositionScores } from "../../src/circuits/composition.js";
import { copyingScore, fullOvCircuit, topKAccuracy } from "../../src/circuits/ov-circuit.js";
import { positionalQkScore } from "../../src/circuits/positional.js";
import { resolveConfig } from "../../src/config.js";
import { SeededRandom } from "../../src/util/random.js";
import { Tensor } from "../../src/tensor.js";
import type { StateDict } from "../../src/weights/state-dict.js";

export function runCircuitsProbe(): Record<string, number[] | number> {
  const cfg = resolveConfig({
    d_model: 16,
    d_head: 4,
    n_heads: 3,
    n_layers: 2,
    n_ctx: 24,
    d_vocab: 300,
    attn_only: true,
    normalization_type: null,
    positional_embedding_type: "shortformer",
    use_attn_result: true,
  });
  const rng = new SeededRandom(5);
  const sd: StateDict = new Map();
  const add = (key: string, shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    sd.set(key, { dtype: "float32", shape, data: Float32Array.from({ length: n }, () => rng.normal() * 0.3) });
  };
  add("embed.W_E", [300, 16]);
  add("pos_embed.W_pos", [24, 16]);
  for (let l = 0; l < 2; l++) {
    for (const w of ["W_Q", "W_K", "W_V"]) add(`blocks.${l}.attn.${w}`, [3, 16, 4]);
    add(`blocks.${l}.attn.W_O`, [3, 4, 16]);
    for (const b of ["b_Q", "b_K", "b_V"]) add(`blocks.${l}.attn.${b}`, [3, 4]);
    add(`blocks.${l}.attn.b_O`, [16]);
  }
  add("unembed.W_U", [16, 300]);
  add("unembed.b_U", [300]);
  const model = new HookedTransformer(cfg, sd);
  const ov = fullOvCircuit(model, "1.2");
  const fm = new FactoredMatrix(
    new Tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [6, 4],
    ),
    new Tensor(
      Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)),
      [4, 6],
    ),
  );
  return {
    S: Array.from(model.OV.index(1, 2).S.data),
    eigReal: Array.from(fm.eigenvalues.real.data).sort((a, b) => a - b),
    norm: fm.norm().item(),
    top: topKAccuracy(ov, [1, 5]),
    copying: copyingScore(ov),
    K: Array.from(compositionScores(model, "K").data),
    positional: positionalQkScore(model, "0.1"),
  };
}
