/**
 * Circuits, detectors and the induction experiment on models other than the 2-layer attention-only shortformer
 * one: random models of 3 and 12 layers with LayerNorm (unfolded "LN", and "LNPre"), GELU MLPs or attention
 * only, standard or shortformer positions, built from core's parameter schema. Every expected value comes from a
 * float64 reference of the quantity's formula written here, reading the state dict the model was built from
 * (never the code under test), or from the model's own forward pass: TransformerLens's all_composition_scores,
 * the full OV and K-composition circuits, the positional score, the logit attribution summing to the model's
 * logits, the LayerNorm'd decomposition of a head's queries summing to hook_q, and ablation losses.
 */
import { describe, expect, it } from "vitest";
import {
  ablationInductionScore,
  ablationScores,
  compositionScores,
  decomposeQ,
  decomposeQkInput,
  findInductionCircuits,
  fullOvCircuit,
  getActName,
  HookedTransformer,
  kCompositionFullCircuit,
  kCompositionTop1Table,
  logitAttribution,
  positionalQkScore,
  runInductionExperiment,
  type StateDict,
  type Tensor,
} from "../../src/index.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";
import { throughLnFinal } from "../helpers/ln-reference.js";

// ----- float64 reference linear algebra, on the state dict -------------------------------------------------

type M = { rows: number; cols: number; a: Float64Array };

function mat(rows: number, cols: number, a: ArrayLike<number>, offset = 0): M {
  return { rows, cols, a: Float64Array.from({ length: rows * cols }, (_, i) => a[offset + i]) };
}
function mul(x: M, y: M): M {
  const a = new Float64Array(x.rows * y.cols);
  for (let i = 0; i < x.rows; i++)
    for (let k = 0; k < x.cols; k++) {
      const v = x.a[i * x.cols + k];
      for (let j = 0; j < y.cols; j++) a[i * y.cols + j] += v * y.a[k * y.cols + j];
    }
  return { rows: x.rows, cols: y.cols, a };
}
function tr(x: M): M {
  const a = new Float64Array(x.a.length);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) a[j * x.rows + i] = x.a[i * x.cols + j];
  return { rows: x.cols, cols: x.rows, a };
}
const fro = (x: M) => Math.sqrt(x.a.reduce((s, v) => s + v * v, 0));

function weights(sd: StateDict, cfg: ReturnType<typeof smallConfig>) {
  const { d_model: D, d_head: Dh } = cfg;
  const get = (k: string) => sd.get(k)!.data as Float32Array;
  /** W_{Q,K,V} [D, Dh] or W_O [Dh, D] of one head. */
  const head = (l: number, h: number, w: "W_Q" | "W_K" | "W_V" | "W_O") =>
    w === "W_O"
      ? mat(Dh, D, get(`blocks.${l}.attn.W_O`), h * Dh * D)
      : mat(D, Dh, get(`blocks.${l}.attn.${w}`), h * D * Dh);
  return { get, head };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const lnModel = (n_layers: number, normalization_type: "LN" | "LNPre", attn_only: boolean, seed = 3) => {
  const cfg = smallConfig({
    n_layers,
    normalization_type,
    attn_only,
    ...(attn_only ? {} : { d_mlp: 24, act_fn: "gelu_new" }),
    positional_embedding_type: "standard",
    use_attn_result: false,
  });
  const sd = randomStateDict(cfg, seed, 0.3);
  return { cfg, sd, model: new HookedTransformer(cfg, sd) };
};

describe.each([
  ["3 layers, LN (unfolded w and b), GELU MLPs", 3, "LN", false],
  ["3 layers, LNPre, GELU MLPs", 3, "LNPre", false],
  ["12 layers, LN, GELU MLPs", 12, "LN", false],
  ["3 layers, LN, attention only (NeelNanda's attn-only family)", 3, "LN", true],
] as const)("circuits on a random model: %s, standard positions", (_, L, norm, attnOnly) => {
  const { cfg, sd, model } = lnModel(L, norm, attnOnly);
  const { d_model: D, n_heads: H, d_head: Dh, d_vocab: V } = cfg;
  const { get, head } = weights(sd, cfg);

  it.each(["Q", "K", "V"] as const)(
    "compositionScores(%s) spans every earlier-layer/later-layer pair: ‖OV_A · W_B‖_F / (‖OV_A‖_F ‖W_B‖_F) in float64, zero unless L1 < L2",
    (mode) => {
      const ours = compositionScores(model, mode);
      expect(ours.shape).toEqual([L, H, L, H]);
      let pairs = 0;
      for (let l1 = 0; l1 < L; l1++)
        for (let h1 = 0; h1 < H; h1++)
          for (let l2 = 0; l2 < L; l2++)
            for (let h2 = 0; h2 < H; h2++) {
              if (l1 >= l2) {
                expect(ours.at(l1, h1, l2, h2)).toBe(0);
                continue;
              }
              const ov = mul(head(l1, h1, "W_V"), head(l1, h1, "W_O"));
              const right =
                mode === "Q"
                  ? mul(head(l2, h2, "W_Q"), tr(head(l2, h2, "W_K")))
                  : mode === "K"
                    ? mul(head(l2, h2, "W_K"), tr(head(l2, h2, "W_Q")))
                    : mul(head(l2, h2, "W_V"), head(l2, h2, "W_O"));
              const ref = fro(mul(ov, right)) / (fro(ov) * fro(right));
              expect(Math.abs(ours.at(l1, h1, l2, h2) - ref) / ref, `${l1}.${h1} → ${l2}.${h2}`).toBeLessThan(1e-5);
              pairs++;
            }
      expect(pairs).toBe(((L * (L - 1)) / 2) * H * H);
    },
  );

  it("fullOvCircuit and kCompositionFullCircuit of the last layer's heads: W_E W_V W_O W_U and (W_E W_Q)(W_E W_V W_O W_K)ᵀ in float64", () => {
    const WE = mat(V, D, get("embed.W_E"));
    const WU = mat(D, V, get("unembed.W_U"));
    const last = L - 1;
    const ov = fullOvCircuit(model, `${last}.1`);
    const refOv = mul(mul(mul(WE, head(last, 1, "W_V")), head(last, 1, "W_O")), WU);
    expect(maxAbs(ov.AB.data, refOv.a)).toBeLessThan(1e-4 * Math.max(1, ...refOv.a.map(Math.abs)));
    for (const prev of [0, last - 1]) {
      const k = kCompositionFullCircuit(model, `${prev}.0`, `${last}.2`);
      const q = mul(WE, head(last, 2, "W_Q"));
      const kk = mul(mul(mul(WE, head(prev, 0, "W_V")), head(prev, 0, "W_O")), head(last, 2, "W_K"));
      const ref = mul(q, tr(kk));
      expect(maxAbs(k.AB.data, ref.a)).toBeLessThan(1e-4 * Math.max(1, ...ref.a.map(Math.abs)));
    }
    // the top-1 table between any two layers, against the diagonal of the reference circuit
    const table = kCompositionTop1Table(model, { fromLayer: 0, toLayer: last });
    const q = mul(WE, head(last, 1, "W_Q"));
    const kk = mul(mul(mul(WE, head(0, 2, "W_V")), head(0, 2, "W_O")), head(last, 1, "W_K"));
    const kcT = mul(kk, tr(q)); // K_compᵀ [key token, query token]
    let hits = 0;
    for (let i = 0; i < V; i++) {
      let best = true;
      for (let j = 0; j < V; j++) if (kcT.a[i * V + j] > kcT.a[i * V + i]) best = false;
      if (best) hits++;
    }
    expect(table[2][1]).toBeCloseTo(hits / V, 10);
    expect(() => kCompositionTop1Table(model, { fromLayer: last, toLayer: last })).toThrow(/earlier layer to a later/);
  });

  it("positionalQkScore of heads in the first and last layers: softmax(W_pos W_Q (W_pos W_K)ᵀ / √d_head, causal) sub-diagonal mean, in float64", () => {
    const N = cfg.n_ctx;
    const WP = mat(N, D, get("pos_embed.W_pos"));
    for (const [l, h] of [
      [0, 0],
      [L - 1, 2],
    ]) {
      const s = mul(mul(WP, head(l, h, "W_Q")), tr(mul(WP, head(l, h, "W_K"))));
      let total = 0;
      for (let i = 1; i < N; i++) {
        const row = Array.from({ length: i + 1 }, (_, j) => s.a[i * N + j] / Math.sqrt(Dh));
        const mx = Math.max(...row);
        const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
        total += Math.exp(row[i - 1] - mx) / z;
      }
      expect(Math.abs(positionalQkScore(model, `${l}.${h}`) - total / (N - 1)), `${l}.${h}`).toBeLessThan(1e-5);
    }
  });

  it("logitAttribution: direct, pos_embed, every head, every MLP through ln_final's cached scale (and w, b), summing to the model's own logits", async () => {
    const tokens = [0, 7, 3, 9, 7, 3, 9, 12, 40, 2];
    const T = tokens.length;
    const { cache } = await model.runWithCache(tokens, { removeBatchDim: true, returnType: "none" });
    const logits = (await model.forward(tokens)).logits!; // [1, T, V]: the model's own unembedding path
    const r = logitAttribution(cache, tokens);
    const heads = Array.from({ length: L * H }, (_, i) => `${Math.floor(i / H)}.${i % H}`);
    const mlps = attnOnly ? [] : Array.from({ length: L }, (_, l) => `${l}_mlp_out`);
    expect(r.labels).toEqual(["direct", "pos_embed", ...heads, ...mlps]);
    expect(r.attribution.shape).toEqual([T - 1, 2 + L * H + mlps.length]);
    const scale = cache.get("ln_final.hook_scale").data;
    const w = norm === "LN" ? get("ln_final.w") : null;
    const b = norm === "LN" ? get("ln_final.b") : null;
    const WU = get("unembed.W_U"),
      bU = get("unembed.b_U");
    let worst = 0;
    for (let t = 0; t < T - 1; t++) {
      const y = tokens[t + 1];
      // float64: (x − mean x) / scale[t] (⊙ ln_final.w) · W_U[:, y]; A summand x [D] of the final stream
      const through = (x: ArrayLike<number>, o: number) => throughLnFinal(x, o, D, scale[t], w, WU, V, y);
      const ref: number[] = [through(cache.get("embed").data, t * D), through(cache.get("pos_embed").data, t * D)];
      for (let l = 0; l < L; l++) {
        const z = cache.get("z", l).data; // [T, H, Dh]
        for (let h = 0; h < H; h++) {
          const Wo = head(l, h, "W_O");
          const res = new Float64Array(D);
          for (let e = 0; e < Dh; e++) for (let d = 0; d < D; d++) res[d] += z[(t * H + h) * Dh + e] * Wo.a[e * D + d];
          ref.push(through(res, 0));
        }
      }
      for (const label of mlps) ref.push(through(cache.get("mlp_out", parseInt(label)).data, t * D));
      const bO = new Float64Array(D);
      for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) bO[d] += get(`blocks.${l}.attn.b_O`)[d];
      let lnBias = 0;
      if (b) for (let d = 0; d < D; d++) lnBias += b[d] * WU[d * V + y];
      const refBias = through(bO, 0) + lnBias + bU[y];
      for (let c = 0; c < ref.length; c++) worst = Math.max(worst, Math.abs(r.attribution.at(t, c) - ref[c]));
      expect(Math.abs(r.biasLogits[t] - refBias), `bias at ${t}`).toBeLessThan(1e-4);
      // the parts sum to the logit the model itself computes
      const logit = logits.at(0, t, y);
      expect(Math.abs(r.correctLogits[t] - logit), `correct logit at ${t}`).toBeLessThan(
        1e-4 * Math.max(1, Math.abs(logit)),
      );
      let sum = r.biasLogits[t];
      for (let c = 0; c < r.labels.length; c++) sum += r.attribution.at(t, c);
      expect(Math.abs(sum - logit), `sum at ${t}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(logit)));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it("decomposeQkInput / decomposeQ of a last-layer head: embed, pos_embed, earlier heads and MLPs through ln1's cached scale; with the biases they sum to hook_q", async () => {
    const tokens = [0, 5, 6, 7, 5, 6, 7, 8];
    const T = tokens.length;
    const last = L - 1;
    const { cache } = await model.runWithCache(tokens, { removeBatchDim: true, returnType: "none" });
    const input = decomposeQkInput(cache, last);
    const heads = Array.from({ length: last * H }, (_, i) => `${Math.floor(i / H)}.${i % H}`);
    expect(input.labels).toEqual([
      "embed",
      "pos_embed",
      ...heads,
      ...(attnOnly ? [] : Array.from({ length: last }, (_, l) => `${l}_mlp_out`)),
    ]);
    const q = decomposeQ(cache, `${last}.1`, input); // [C, T, Dh]
    // hook_q − b_Q − (what the biases b_O and ln1.b put in; b_out is inside mlp_out), by the formula, in float64
    const scale = cache.get("scale", last, "ln1").data;
    const w = norm === "LN" ? get(`blocks.${last}.ln1.w`) : null;
    const b = norm === "LN" ? get(`blocks.${last}.ln1.b`) : null;
    const bias = new Float64Array(D);
    for (let l = 0; l < last; l++) for (let d = 0; d < D; d++) bias[d] += get(`blocks.${l}.attn.b_O`)[d];
    const Wq = head(last, 1, "W_Q");
    const hookQ = cache.get("q", last).data; // [T, H, Dh]
    const bQ = get(`blocks.${last}.attn.b_Q`);
    const mean = bias.reduce((s, v) => s + v, 0) / D;
    for (let t = 0; t < T; t++)
      for (let e = 0; e < Dh; e++) {
        let fromBias = bQ[Dh + e];
        for (let d = 0; d < D; d++)
          fromBias += (((bias[d] - mean) / scale[t]) * (w ? w[d] : 1) + (b ? b[d] : 0)) * Wq.a[d * Dh + e];
        let sum = 0;
        for (let c = 0; c < input.labels.length; c++) sum += q.at(c, t, e);
        expect(Math.abs(sum + fromBias - hookQ[(t * H + 1) * Dh + e]), `t ${t}, e ${e}`).toBeLessThan(1e-4);
      }
  });

  it("ablationScores: the loss through ln_final equals the model's own loss with the head's hook_z zeroed (last S − 1 predictions)", async () => {
    const S = 6;
    const half = [11, 3, 27, 8, 19, 4];
    const tokens = [
      [0, ...half, ...half],
      [0, ...half.map((x) => x + 1), ...half.map((x) => x + 1)],
    ];
    const { scores, lossClean } = await ablationScores(model, tokens, { mode: "zero" });
    const lossOn = async (hooks: [string, (t: Tensor) => Tensor][]) => {
      const { loss } = await model.runWithHooks(tokens, { returnType: "loss", lossPerToken: true, fwdHooks: hooks });
      const [B, T1] = loss!.shape;
      let s = 0;
      for (let bi = 0; bi < B; bi++) for (let t = T1 - (S - 1); t < T1; t++) s += loss!.at(bi, t);
      return s / (B * (S - 1));
    };
    const clean = await lossOn([]);
    expect(Math.abs(lossClean - clean)).toBeLessThan(1e-4);
    for (const [l, h] of [
      [0, 0],
      [L - 1, 2],
    ]) {
      const zero = (z: Tensor) => {
        const out = z.clone();
        const [B, T] = z.shape;
        for (let r = 0; r < B * T; r++) out.data.fill(0, (r * H + h) * Dh, (r * H + h + 1) * Dh);
        return out;
      };
      const ref = (await lossOn([[getActName("z", l), zero]])) - clean;
      expect(Math.abs(scores.at(l, h) - ref), `${l}.${h}`).toBeLessThan(1e-4);
    }
    // an earlier head's zeroed values and a later induction head, any two layers apart
    const none = await ablationInductionScore(model, tokens[0], null, `${L - 1}.0`);
    const ablated = await ablationInductionScore(model, tokens[0], "0.1", `${L - 1}.0`);
    expect(Number.isFinite(none) && Number.isFinite(ablated)).toBe(true);
    expect(ablated).not.toBe(none);
  });

  it("findInductionCircuits and runInductionExperiment: every (earlier, later) head pair, with all_composition_scores('K')", async () => {
    const found = await findInductionCircuits(model, { seqLen: 5, batch: 2 });
    expect(found.circuits).toHaveLength(((L * (L - 1)) / 2) * H * H);
    const K = compositionScores(model, "K");
    for (const c of found.circuits) {
      const [l1, h1] = c.previous.split(".").map(Number);
      const [l2, h2] = c.induction.split(".").map(Number);
      expect(l1).toBeLessThan(l2);
      expect(c.kComposition).toBe(K.at(l1, h1, l2, h2));
    }
    expect(found.previousScores).toHaveLength(L);
    const exp = await runInductionExperiment(model, { seqLen: 5, batch: 2 });
    expect(exp.inductionScores).toHaveLength(L);
    expect(exp.inductionScores[L - 1]).toHaveLength(H);
    // a BOS other than 0 (GPT-2's is its last id): first in every row, never drawn
    const withBos = await runInductionExperiment(model, { seqLen: 8, batch: 3, bosTokenId: V - 1 });
    for (const row of withBos.tokens) {
      expect(row[0]).toBe(V - 1);
      expect(row.slice(1)).not.toContain(V - 1);
    }
    expect((await findInductionCircuits(model, { seqLen: 5, batch: 1, bosTokenId: 7 })).tokens[0][0]).toBe(7);
    await expect(runInductionExperiment(model, { seqLen: 5, bosTokenId: V })).rejects.toThrow(
      new RegExp(`BOS id ${V} is outside the model's vocabulary 0\\.\\.${V - 1}`),
    );
  });
});

describe("compositionScores on rank-deficient heads", () => {
  it("a head whose W_V has equal and zero columns (singular Gram matrices) still scores as the formula, in float64", () => {
    const cfg = smallConfig({ n_layers: 3 });
    const sd = randomStateDict(cfg, 9, 0.3);
    const { d_model: D, d_head: Dh, n_heads: H } = cfg;
    for (const key of ["blocks.0.attn.W_V", "blocks.1.attn.W_O"]) {
      const w = sd.get(key)!.data as Float32Array;
      if (key.endsWith("W_V"))
        for (let d = 0; d < D; d++) [w[d * Dh + 1], w[d * Dh + 2]] = [w[d * Dh], 0]; // head 0
      else w.fill(0, 0, 2 * D); // head 0: rows 0 and 1 of W_O zero
    }
    const model = new HookedTransformer(cfg, sd);
    const { head } = weights(sd, cfg);
    for (const mode of ["K", "V"] as const) {
      const ours = compositionScores(model, mode);
      for (const [l1, l2] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ])
        for (let h2 = 0; h2 < H; h2++) {
          const ov = mul(head(l1, 0, "W_V"), head(l1, 0, "W_O"));
          const right =
            mode === "K"
              ? mul(head(l2, h2, "W_K"), tr(head(l2, h2, "W_Q")))
              : mul(head(l2, h2, "W_V"), head(l2, h2, "W_O"));
          const ref = fro(mul(ov, right)) / (fro(ov) * fro(right));
          expect(Math.abs(ours.at(l1, 0, l2, h2) - ref) / ref, `${mode} ${l1}.0 → ${l2}.${h2}`).toBeLessThan(1e-5);
        }
    }
  });
});

describe("a shortformer model with LayerNorm (positions join queries and keys after ln1, never the stream)", () => {
  const cfg = smallConfig({ n_layers: 3, normalization_type: "LN", use_attn_result: false });
  const sd = randomStateDict(cfg, 4, 0.3);
  const model = new HookedTransformer(cfg, sd);
  const { d_model: D, n_heads: H, d_head: Dh } = cfg;
  const { get, head } = weights(sd, cfg);
  const tokens = [0, 9, 4, 9, 4, 30];

  it("decomposeQ of head 2.0: embed and earlier heads through ln1, pos_embed as it is; with the biases they sum to hook_q", async () => {
    const { cache } = await model.runWithCache(tokens, { removeBatchDim: true, returnType: "none" });
    const input = decomposeQkInput(cache, 2);
    const q = decomposeQ(cache, "2.0", input);
    const scale = cache.get("scale", 2, "ln1").data;
    const w = get("blocks.2.ln1.w"),
      b = get("blocks.2.ln1.b");
    const bias = new Float64Array(D);
    for (let l = 0; l < 2; l++) for (let d = 0; d < D; d++) bias[d] += get(`blocks.${l}.attn.b_O`)[d];
    const mean = bias.reduce((s, v) => s + v, 0) / D;
    const Wq = head(2, 0, "W_Q");
    const hookQ = cache.get("q", 2).data;
    for (let t = 0; t < tokens.length; t++)
      for (let e = 0; e < Dh; e++) {
        let total = get("blocks.2.attn.b_Q")[e];
        for (let d = 0; d < D; d++) total += (((bias[d] - mean) / scale[t]) * w[d] + b[d]) * Wq.a[d * Dh + e];
        for (let c = 0; c < input.labels.length; c++) total += q.at(c, t, e);
        expect(Math.abs(total - hookQ[(t * H + 0) * Dh + e]), `t ${t}, e ${e}`).toBeLessThan(1e-4);
      }
  });

  it("logitAttribution has no pos_embed column and still sums to the model's logits", async () => {
    const { cache } = await model.runWithCache(tokens, { removeBatchDim: true, returnType: "none" });
    const { logits } = await model.forward(tokens);
    const r = logitAttribution(cache, tokens);
    expect(r.labels[0]).toBe("direct");
    expect(r.labels).not.toContain("pos_embed");
    expect(r.labels).toHaveLength(1 + 3 * H);
    for (let t = 0; t + 1 < tokens.length; t++) {
      let s = r.biasLogits[t];
      for (let c = 0; c < r.labels.length; c++) s += r.attribution.at(t, c);
      expect(Math.abs(s - logits!.at(0, t, tokens[t + 1]))).toBeLessThan(1e-4);
    }
  });
});
