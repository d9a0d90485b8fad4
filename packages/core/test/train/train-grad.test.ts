/**
 * The backward pass against finite differences of an independent float64 forward pass, for every
 * parameter kind and both positional embedding types; and the forward pass against TransformerLens's
 * own numbers on the tiny fixture model.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolveConfig, tsBackend, type HookedTransformerConfig, type StateDict } from "../../src/index.js";
import { readSafetensors } from "../../src/weights/safetensors.js";
import {
  forward,
  initParams,
  lossAndGrad,
  paramsFromStateDict,
  perTokenLoss,
  toStateDict,
  zerosLike,
} from "../../src/train/index.js";
import { describeWithFixtures, fixturePath, readFixture } from "../helpers/fixtures.js";

type F64Dict = Map<string, { shape: number[]; data: Float64Array }>;

/** Mean next-token loss, computed straight from TransformerLens's formulas in float64. */
function referenceLoss(cfg: HookedTransformerConfig, sd: F64Dict, tokens: number[][]): number {
  const { d_model: D, n_heads: H, d_head: E, d_vocab_out: V } = cfg;
  const w = (k: string) => sd.get(k)!.data;
  const shortformer = cfg.positional_embedding_type === "shortformer";
  let total = 0;
  let count = 0;
  for (const seq of tokens) {
    const T = seq.length;
    let x = seq.map((tok, t) =>
      Array.from(
        { length: D },
        (_, d) => w("embed.W_E")[tok * D + d] + (shortformer ? 0 : w("pos_embed.W_pos")[t * D + d]),
      ),
    );
    for (let l = 0; l < cfg.n_layers; l++) {
      const a = (n: string) => w(`blocks.${l}.attn.${n}`);
      const qkIn = x.map((row, t) => row.map((v, d) => v + (shortformer ? w("pos_embed.W_pos")[t * D + d] : 0)));
      const proj = (inp: number[][], W: Float64Array, b: Float64Array) =>
        inp.map((row) =>
          Array.from({ length: H }, (_, h) =>
            Array.from({ length: E }, (_, e) => {
              let s = b[h * E + e];
              for (let d = 0; d < D; d++) s += row[d] * W[(h * D + d) * E + e];
              return s;
            }),
          ),
        );
      const q = proj(qkIn, a("W_Q"), a("b_Q"));
      const k = proj(qkIn, a("W_K"), a("b_K"));
      const v = proj(x, a("W_V"), a("b_V"));
      const out = x.map((row) => row.slice());
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) out[t][d] += a("b_O")[d];
        for (let h = 0; h < H; h++) {
          const scores = [];
          for (let j = 0; j <= t; j++) {
            let s = 0;
            for (let e = 0; e < E; e++) s += q[t][h][e] * k[j][h][e];
            scores.push(s / cfg.attn_scale);
          }
          const max = Math.max(...scores);
          const ex = scores.map((s) => Math.exp(s - max));
          const sum = ex.reduce((p, c) => p + c, 0);
          for (let e = 0; e < E; e++) {
            let z = 0;
            for (let j = 0; j <= t; j++) z += (ex[j] / sum) * v[j][h][e];
            for (let d = 0; d < D; d++) out[t][d] += z * a("W_O")[(h * E + e) * D + d];
          }
        }
      }
      x = out;
    }
    for (let t = 0; t < T - 1; t++) {
      const logits = Array.from({ length: V }, (_, c) => {
        let s = w("unembed.b_U")[c];
        for (let d = 0; d < D; d++) s += x[t][d] * w("unembed.W_U")[d * V + c];
        return s;
      });
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((p, c) => p + Math.exp(c - max), 0));
      total += lse - logits[seq[t + 1]];
      count++;
    }
  }
  return total / count;
}

function toF64(sd: StateDict): F64Dict {
  return new Map([...sd].map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data as Float32Array) }]));
}

for (const positional of ["shortformer", "standard"] as const) {
  describe(`gradients (${positional})`, () => {
    const cfg = resolveConfig({
      d_model: 8,
      d_head: 3,
      n_heads: 2,
      n_layers: 2,
      n_ctx: 8,
      d_vocab: 11,
      attn_only: true,
      normalization_type: null,
      positional_embedding_type: positional,
      initializer_range: 0.6,
    });
    const params = initParams(cfg, 7);
    // Non-zero biases so their paths are exercised too.
    params.b_U.forEach((_, i) => (params.b_U[i] = 0.1 * Math.sin(i + 1)));
    params.layers.forEach((l, li) => {
      for (const b of [l.b_Q, l.b_K, l.b_V, l.b_O]) b.forEach((_, i) => (b[i] = 0.2 * Math.cos(3 * i + li)));
    });
    const tokens = [
      [10, 3, 1, 4, 1, 5, 9],
      [10, 2, 6, 5, 3, 5, 8],
    ];
    const grads = zerosLike(cfg);
    const { loss } = lossAndGrad(cfg, params, grads, Int32Array.from(tokens.flat()), 2, 7, tsBackend);
    const sd64 = toF64(toStateDict(cfg, params));
    const g = toStateDict(cfg, grads);

    it("the float32 loss equals the float64 reference loss", () => {
      expect(loss).toBeCloseTo(referenceLoss(cfg, sd64, tokens), 5);
    });

    for (const key of [...sd64.keys()]) {
      it(`d loss / d ${key} matches central finite differences`, () => {
        const p = sd64.get(key)!.data;
        const analytic = g.get(key)!.data as Float32Array;
        // Every entry of small tensors; a spread of entries of the big ones (W_pos rows past seqLen get 0).
        const idx =
          p.length <= 40
            ? [...p.keys()]
            : Array.from({ length: 40 }, (_, i) => Math.floor((i * p.length) / 40 + (i % 3)));
        const h = 1e-5;
        let maxAbs = 0;
        for (const i of idx) {
          const orig = p[i];
          p[i] = orig + h;
          const up = referenceLoss(cfg, sd64, tokens);
          p[i] = orig - h;
          const down = referenceLoss(cfg, sd64, tokens);
          p[i] = orig;
          const numeric = (up - down) / (2 * h);
          maxAbs = Math.max(maxAbs, Math.abs(numeric));
          expect(
            Math.abs(analytic[i] - numeric),
            `${key}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`,
          ).toBeLessThan(2e-5 + 2e-3 * Math.abs(numeric));
        }
        if (key.endsWith("b_K")) {
          // q·b_K adds the same amount to every key's score of a query: softmax ignores it, so the
          // gradient is exactly zero (as in TransformerLens).
          expect(maxAbs).toBeLessThan(1e-8);
          expect(Math.max(...Array.from(analytic, Math.abs))).toBeLessThan(1e-6);
        } else {
          // The check must not pass vacuously on an all-zero gradient.
          expect(maxAbs).toBeGreaterThan(1e-4);
        }
      });
    }
  });
}

describeWithFixtures("training forward vs TransformerLens (tl-attn2l-tiny)", () => {
  it("reproduces the fixture's per-token loss and attention patterns on the seed text", () => {
    const config = JSON.parse(readFileSync(fixturePath("config.json"), "utf8"));
    const cfg = resolveConfig(config);
    const sd = readSafetensors(readFixture("model.safetensors")).tensors;
    const params = paramsFromStateDict(cfg, sd);
    const goldens = JSON.parse(readFileSync(fixturePath("goldens.json"), "utf8"));
    const input = goldens.inputs.find((i: { name: string }) => i.name === "seed_text");
    const gold = readSafetensors(readFixture("seed_text.safetensors")).tensors;
    const tokens = Int32Array.from(input.tokens as number[]);
    const fwd = forward(cfg, params, tokens, 1, tokens.length, tsBackend);
    const loss = perTokenLoss(cfg, fwd);
    const goldLoss = gold.get("loss")!.data as Float32Array;
    expect(loss.length).toBe(goldLoss.length);
    let maxErr = 0;
    for (let i = 0; i < loss.length; i++) maxErr = Math.max(maxErr, Math.abs(loss[i] - goldLoss[i]));
    expect(maxErr).toBeLessThan(1e-3);
    for (let l = 0; l < 2; l++) {
      const gp = gold.get(`blocks.${l}.attn.hook_pattern`)!.data as Float32Array;
      let e = 0;
      for (let i = 0; i < gp.length; i++) e = Math.max(e, Math.abs(gp[i] - fwd.layers[l].pattern[i]));
      expect(e).toBeLessThan(1e-4);
    }
  });
});
