/**
 * Circuits on a GPT-2 style model (LayerNorm, GELU-new MLPs, learned positions, tied unembedding):
 * ../shared/fixtures/tl-gpt2-tiny, unprocessed (normalization_type "LN") and processed by TransformerLens's
 * from_pretrained ("LNPre"). The correct-token logits come from TransformerLens's own log-sum-exp and loss
 * (logit = logsumexp − loss); each attribution column from a float64 reference of the formula on TransformerLens's
 * cached activations and the fixture's state dict; the induction scores from its cached patterns; the ablation's
 * clean loss from its per-token loss.
 */
import { beforeAll, expect, it } from "vitest";
import {
  ablationScores,
  compositionScores,
  HookedTransformer,
  logitAttribution,
  runInductionExperiment,
  type StateDict,
} from "../../src/index.js";
import { describeWithGpt2Fixture, gpt2Json, gpt2Tensors } from "../helpers/gpt2-fixture.js";
import { throughLnFinal } from "../helpers/ln-reference.js";

interface Input {
  name: string;
  tokens: number[];
}

const VARIANTS = [
  ["unprocessed", "tl"],
  ["processed", "processed"],
] as const;

describeWithGpt2Fixture("circuits on tl-gpt2-tiny (TransformerLens 2.14)", () => {
  const inputs = gpt2Json("goldens.json").inputs as Input[];

  for (const [variant, folder] of VARIANTS) {
    let model: HookedTransformer;
    let sd: StateDict;
    beforeAll(() => {
      sd = gpt2Tensors(`${folder}/model.safetensors`);
      model = new HookedTransformer(gpt2Json(`${folder}/config.json`), sd);
    });

    for (const input of inputs) {
      it(`${variant}, ${input.name}: logitAttribution columns = the formula on TransformerLens's cache; columns + bias = TransformerLens's correct-token logits (logsumexp − loss)`, async () => {
        const { tokens } = input;
        const T = tokens.length;
        const golden = gpt2Tensors(`${input.name}.${variant}.safetensors`);
        const g = (k: string) => golden.get(k)!.data as Float32Array;
        const w = (k: string) => sd.get(k)!.data as Float32Array;
        const { d_model: D, n_heads: H, d_head: Dh, n_layers: L, d_vocab: V } = model.cfg;
        const { cache } = await model.runWithCache(tokens, { removeBatchDim: true, returnType: "none" });
        const r = logitAttribution(cache, tokens);
        const heads = Array.from({ length: L * H }, (_, i) => `${Math.floor(i / H)}.${i % H}`);
        expect(r.labels).toEqual(["direct", "pos_embed", ...heads, "0_mlp_out", "1_mlp_out"]);
        const lse = g("logsumexp"),
          loss = g("loss");
        const scale = g("ln_final.hook_scale");
        const lnW = variant === "unprocessed" ? w("ln_final.w") : null;
        const lnB = variant === "unprocessed" ? w("ln_final.b") : null;
        const WU = w("unembed.W_U"),
          bU = w("unembed.b_U");
        let worstColumn = 0;
        for (let t = 0; t < T - 1; t++) {
          const y = tokens[t + 1];
          const logit = lse[t] - loss[t];
          const tol = 1e-4 * Math.max(1, Math.abs(logit));
          expect(Math.abs(r.correctLogits[t] - logit), `correct logit at ${t}`).toBeLessThan(tol);
          let sum = r.biasLogits[t];
          for (let c = 0; c < r.labels.length; c++) sum += r.attribution.at(t, c);
          expect(Math.abs(sum - logit), `columns + bias at ${t}`).toBeLessThan(tol);
          // float64: (x − mean x) / scale[t] (⊙ ln_final.w) · W_U[:, y]; x from TransformerLens's cache
          const through = (x: ArrayLike<number>, o: number) => throughLnFinal(x, o, D, scale[t], lnW, WU, V, y);
          const ref = [through(g("hook_embed"), t * D), through(g("hook_pos_embed"), t * D)];
          for (let l = 0; l < L; l++) {
            const z = g(`blocks.${l}.attn.hook_z`);
            const WO = w(`blocks.${l}.attn.W_O`); // [H, Dh, D]
            for (let h = 0; h < H; h++) {
              const res = new Float64Array(D);
              for (let e = 0; e < Dh; e++)
                for (let d = 0; d < D; d++) res[d] += z[(t * H + h) * Dh + e] * WO[(h * Dh + e) * D + d];
              ref.push(through(res, 0));
            }
          }
          for (let l = 0; l < L; l++) ref.push(through(g(`blocks.${l}.hook_mlp_out`), t * D));
          for (let c = 0; c < ref.length; c++)
            worstColumn = Math.max(
              worstColumn,
              Math.abs(r.attribution.at(t, c) - ref[c]) / Math.max(1, Math.abs(ref[c])),
            );
          const bO = new Float64Array(D);
          for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) bO[d] += w(`blocks.${l}.attn.b_O`)[d];
          let refBias = through(bO, 0) + bU[y];
          if (lnB) for (let d = 0; d < D; d++) refBias += lnB[d] * WU[d * V + y];
          expect(Math.abs(r.biasLogits[t] - refBias), `bias at ${t}`).toBeLessThan(tol);
        }
        expect(worstColumn).toBeLessThan(1e-4);
      });
    }

    it(`${variant}: compositionScores = all_composition_scores on the weights as loaded, float64 reference from the state dict`, () => {
      const { d_model: D, n_heads: H, d_head: Dh } = model.cfg;
      const w = (k: string) => sd.get(k)!.data as Float32Array;
      /** ‖A‖_F of a [D, D] float64 matrix. */
      const fro = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
      /** X [D, Dh] · Y [Dh, D] from two heads' slices (Y given as [D, Dh] when transposed). */
      const prod = (x: Float32Array, xo: number, y: Float32Array, yo: number, yT: boolean) => {
        const out = new Float64Array(D * D);
        for (let i = 0; i < D; i++)
          for (let j = 0; j < D; j++) {
            let s = 0;
            for (let e = 0; e < Dh; e++) s += x[xo + i * Dh + e] * (yT ? y[yo + j * Dh + e] : y[yo + e * D + j]);
            out[i * D + j] = s;
          }
        return out;
      };
      const mul = (a: Float64Array, b: Float64Array) => {
        const out = new Float64Array(D * D);
        for (let i = 0; i < D; i++)
          for (let k = 0; k < D; k++) for (let j = 0; j < D; j++) out[i * D + j] += a[i * D + k] * b[k * D + j];
        return out;
      };
      const o = (h: number) => h * D * Dh;
      for (const mode of ["Q", "K", "V"] as const) {
        const ours = compositionScores(model, mode);
        for (let h1 = 0; h1 < H; h1++) {
          const ov = prod(w("blocks.0.attn.W_V"), o(h1), w("blocks.0.attn.W_O"), o(h1), false);
          for (let h2 = 0; h2 < H; h2++) {
            const right =
              mode === "Q"
                ? prod(w("blocks.1.attn.W_Q"), o(h2), w("blocks.1.attn.W_K"), o(h2), true)
                : mode === "K"
                  ? prod(w("blocks.1.attn.W_K"), o(h2), w("blocks.1.attn.W_Q"), o(h2), true)
                  : prod(w("blocks.1.attn.W_V"), o(h2), w("blocks.1.attn.W_O"), o(h2), false);
            const ref = fro(mul(ov, right)) / (fro(ov) * fro(right));
            expect(Math.abs(ours.at(0, h1, 1, h2) - ref) / ref, `${mode} 0.${h1} → 1.${h2}`).toBeLessThan(1e-5);
            expect(ours.at(1, h2, 0, h1)).toBe(0);
          }
        }
      }
    });

    it(`${variant}, repeated_random: induction scores from TransformerLens's patterns; ablationScores' clean loss = its loss on the last S − 1 predictions (through ln_final)`, async () => {
      const input = inputs.find((i) => i.name === "repeated_random")!;
      const golden = gpt2Tensors(`repeated_random.${variant}.safetensors`);
      const S = (input.tokens.length - 1) / 2;
      const { n_heads: H, n_layers: L } = model.cfg;
      const T = input.tokens.length;
      const exp = await runInductionExperiment(model, { tokens: [input.tokens] });
      for (let l = 0; l < L; l++) {
        const p = golden.get(`blocks.${l}.attn.hook_pattern`)!.data as Float32Array; // [H, T, T]
        for (let h = 0; h < H; h++) {
          let s = 0,
            n = 0;
          for (let q = S - 1; q < T; q++) {
            s += p[(h * T + q) * T + q - (S - 1)];
            n++;
          }
          expect(Math.abs(exp.inductionScores[l][h] - s / n), `${l}.${h}`).toBeLessThan(1e-4);
        }
      }
      const loss = golden.get("loss")!.data as Float32Array;
      let ref = 0;
      for (let t = loss.length - (S - 1); t < loss.length; t++) ref += loss[t] / (S - 1);
      const { lossClean, scores } = await ablationScores(model, [input.tokens]);
      expect(Math.abs(lossClean - ref)).toBeLessThan(1e-4 * Math.max(1, ref));
      expect(scores.shape).toEqual([L, H]);
    });
  }
});
