/**
 * `attnscope circuit`, `attribute`, `ablate` and `induction` on GPT-2 style models: the Hugging Face folder of
 * ../shared/fixtures/tl-gpt2-tiny (processed by default as TransformerLens's from_pretrained, or with
 * --processing none), against TransformerLens's numbers (logsumexp − loss for the correct-token logits, its loss,
 * its patterns) and a float64 reference of the composition scores from the processed state dict; and a random
 * 12-layer model, whose every layer pair is printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomStateDict, readSafetensors, resolveConfig, writeSafetensors } from "@attnscope/core";
import { runCli, sharedDir } from "./helpers.js";

const gpt2Dir = path.join(sharedDir, "fixtures", "tl-gpt2-tiny");
const tokenizer = path.join(sharedDir, "tokenizers", "gpt2.json");
const hasGpt2 = existsSync(path.join(gpt2Dir, "goldens.json")) && existsSync(tokenizer);

interface Input {
  name: string;
  tokens: number[];
}

function tensors(file: string) {
  const b = readFileSync(path.join(gpt2Dir, file));
  return readSafetensors(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), file).tensors;
}

(hasGpt2 ? describe : describe.skip)("circuit commands on the tiny GPT-2 (Hugging Face folder)", () => {
  const inputs = JSON.parse(readFileSync(path.join(gpt2Dir, "goldens.json"), "utf8")).inputs as Input[];
  const model = ["--model", path.join(gpt2Dir, "hf"), "--tokenizer", tokenizer];
  const repeated = inputs.find((i) => i.name === "repeated_random")!;

  it.each([
    ["default", "processed"],
    ["none", "unprocessed"],
  ])(
    "attribute --processing %s --json: direct, pos_embed, 8 heads, 2 MLPs; with the bias they are TransformerLens's correct-token logits",
    async (processing, variant) => {
      const input = inputs.find((i) => i.name === "seed_text")!;
      const r = await runCli([
        "attribute",
        ...model,
        "--processing",
        processing,
        "--tokens",
        input.tokens.join(","),
        "--json",
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      const heads = ["0.0", "0.1", "0.2", "0.3", "1.0", "1.1", "1.2", "1.3"];
      expect(out.labels).toEqual(["direct", "pos_embed", ...heads, "0_mlp_out", "1_mlp_out"]);
      const g = tensors(`seed_text.${variant}.safetensors`);
      const lse = g.get("logsumexp")!.data as Float32Array,
        loss = g.get("loss")!.data as Float32Array;
      expect(out.attribution).toHaveLength(input.tokens.length - 1);
      out.attribution.forEach((row: number[], t: number) => {
        const logit = lse[t] - loss[t];
        const tol = 1e-4 * Math.max(1, Math.abs(logit));
        expect(Math.abs(out.correct_logits[t] - logit), `position ${t}`).toBeLessThan(tol);
        expect(Math.abs(row.reduce((s, x) => s + x, out.bias_logits[t]) - logit), `sum at ${t}`).toBeLessThan(tol);
      });
    },
  );

  it("circuit --vocab 0:300 --json: composition [2][4][2][4] = ‖OV_A W_B‖_F / (‖OV_A‖_F ‖W_B‖_F) of the processed weights (float64), K-composition circuits for the one pair, every induction pair", async () => {
    const r = await runCli(["circuit", ...model, "--vocab", "0:300", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const sd = tensors("processed/model.safetensors");
    const w = (k: string) => sd.get(k)!.data as Float32Array;
    const D = 64,
      Dh = 16,
      H = 4;
    /** [D, D] = X [D, Dh] · Y, Y [Dh, D] (or [D, Dh] transposed), of head slices. */
    const prod = (x: Float32Array, xh: number, y: Float32Array, yh: number, yT: boolean) => {
      const o = new Float64Array(D * D);
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) {
          let s = 0;
          for (let e = 0; e < Dh; e++)
            s += x[xh * D * Dh + i * Dh + e] * (yT ? y[yh * D * Dh + j * Dh + e] : y[yh * Dh * D + e * D + j]);
          o[i * D + j] = s;
        }
      return o;
    };
    const mul = (a: Float64Array, b: Float64Array) => {
      const o = new Float64Array(D * D);
      for (let i = 0; i < D; i++)
        for (let k = 0; k < D; k++) for (let j = 0; j < D; j++) o[i * D + j] += a[i * D + k] * b[k * D + j];
      return o;
    };
    const fro = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    for (const mode of ["Q", "K", "V"]) {
      const c = out.composition[mode];
      expect([c.length, c[0].length, c[0][0].length, c[0][0][0].length]).toEqual([2, 4, 2, 4]);
      for (let a = 0; a < H; a++) {
        const ov = prod(w("blocks.0.attn.W_V"), a, w("blocks.0.attn.W_O"), a, false);
        for (let b = 0; b < H; b++) {
          const right =
            mode === "Q"
              ? prod(w("blocks.1.attn.W_Q"), b, w("blocks.1.attn.W_K"), b, true)
              : mode === "K"
                ? prod(w("blocks.1.attn.W_K"), b, w("blocks.1.attn.W_Q"), b, true)
                : prod(w("blocks.1.attn.W_V"), b, w("blocks.1.attn.W_O"), b, false);
          const ref = fro(mul(ov, right)) / (fro(ov) * fro(right));
          expect(Math.abs(c[0][a][1][b] - ref) / ref, `${mode} 0.${a} → 1.${b}`).toBeLessThan(1e-5);
          expect(c[1][b][0][a]).toBe(0);
        }
      }
    }
    const k = out.k_comp_full_circuit_top1;
    for (let a = 0; a < H; a++)
      for (let b = 0; b < H; b++) {
        expect(k[0][a][1][b]).toBeGreaterThanOrEqual(0);
        expect(k[0][a][1][b]).toBeLessThanOrEqual(1);
        expect(k[1][a][0][b]).toBeNull();
        expect(k[0][a][0][b]).toBeNull();
      }
    expect(out.induction_circuits).toHaveLength(16);
  });

  it("ablate --tokens (repeated_random) --json: the clean loss is TransformerLens's loss on the last S − 1 predictions, through ln_final", async () => {
    const S = (repeated.tokens.length - 1) / 2;
    for (const [processing, variant] of [
      ["default", "processed"],
      ["none", "unprocessed"],
    ]) {
      const r = await runCli([
        "ablate",
        ...model,
        "--processing",
        processing,
        "--tokens",
        repeated.tokens.join(","),
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      const loss = tensors(`repeated_random.${variant}.safetensors`).get("loss")!.data as Float32Array;
      let ref = 0;
      for (let t = loss.length - (S - 1); t < loss.length; t++) ref += loss[t] / (S - 1);
      expect(Math.abs(out.loss_clean - ref), processing).toBeLessThan(1e-4 * Math.max(1, ref));
      expect(out.ablation_scores).toHaveLength(2);
    }
  });

  it("induction --tokens (repeated_random) --json: each head's mean of TransformerLens's pattern at offset −(S − 1)", async () => {
    const r = await runCli(["induction", ...model, "--tokens", repeated.tokens.join(","), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const T = repeated.tokens.length;
    const S = (T - 1) / 2;
    const g = tensors("repeated_random.processed.safetensors");
    for (let l = 0; l < 2; l++) {
      const p = g.get(`blocks.${l}.attn.hook_pattern`)!.data as Float32Array;
      for (let h = 0; h < 4; h++) {
        let s = 0;
        for (let q = S - 1; q < T; q++) s += p[(h * T + q) * T + q - (S - 1)] / (T - S + 1);
        expect(Math.abs(out.induction_scores[l][h] - s), `${l}.${h}`).toBeLessThan(1e-4);
      }
    }
  });
});

describe("circuit on a random 12-layer GPT-2 style model (TransformerLens folder)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-12-layers-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const L = 12,
    H = 2;
  const config = {
    d_model: 8,
    d_head: 4,
    n_heads: H,
    n_layers: L,
    n_ctx: 24,
    d_vocab: 40,
    attn_only: false,
    d_mlp: 16,
    act_fn: "gelu_new",
    normalization_type: "LN",
    positional_embedding_type: "standard",
  };
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  writeFileSync(
    path.join(dir, "model.safetensors"),
    writeSafetensors(randomStateDict(resolveConfig(config), { seed: 5 })),
  );
  const pairs: [number, number][] = [];
  for (let a = 0; a < L; a++) for (let b = a + 1; b < L; b++) pairs.push([a, b]);

  it("prints the K-composition scores of all 66 layer pairs, and the full circuits of the pairs asked for", async () => {
    const r = await runCli(["circuit", "--model", dir, "--k-circuit-layers", "0:11,4:5"]);
    expect(r.code, r.stderr).toBe(0);
    for (const [a, b] of pairs) {
      const title = `K-composition score, layer-${a} head (rows) into layer-${b} head (columns)`;
      const escaped = title.replace(/[()]/g, "\\$&");
      expect(r.stdout, title).toMatch(new RegExp(`${escaped}\\n\\s+${b}\\.0\\s+${b}\\.1\\n\\s+${a}\\.0 `));
    }
    const full = [
      ...r.stdout.matchAll(/K-composition full circuit, top-1 accuracy, layer-(\d+) head \(rows\) into layer-(\d+)/g),
    ];
    expect(full.map((m) => `${m[1]}:${m[2]}`)).toEqual(["0:11", "4:5"]);
    expect(r.stdout).toMatch(
      /induction circuits \(previous-token head → induction head, by K-composition\):\n {2}\d+\.\d → \d+\.\d/,
    );
  });

  it("--json: composition and k_comp_full_circuit_top1 are [12][2][12][2] (null where no circuit was scored); every (earlier, later) head pair is an induction candidate", async () => {
    const r = await runCli(["circuit", "--model", dir, "--k-circuit-layers", "2:9", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const k = out.k_comp_full_circuit_top1;
    expect(k).toHaveLength(L);
    for (let a = 0; a < L; a++)
      for (let b = 0; b < L; b++)
        for (let h1 = 0; h1 < H; h1++)
          for (let h2 = 0; h2 < H; h2++) {
            const v = k[a][h1][b][h2];
            if (a === 2 && b === 9) expect(v).toBeTypeOf("number");
            else expect(v).toBeNull();
            const c = out.composition.K[a][h1][b][h2];
            if (a < b) expect(c).toBeGreaterThan(0);
            else expect(c).toBe(0);
          }
    expect(out.induction_circuits).toHaveLength(pairs.length * H * H);
    expect(out.full_ov_top1).toHaveLength(L);
  });

  it("attribute labels every head and MLP of the 12 layers", async () => {
    const r = await runCli(["attribute", "--model", dir, "--tokens", "0,5,9,5,9", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.labels).toHaveLength(2 + L * H + L);
    expect(out.labels.slice(-1)).toEqual(["11_mlp_out"]);
  });

  it("refuses --k-circuit-layers that are not earlier:later pairs of the model", async () => {
    for (const [value, message] of [
      ["5:5", /--k-circuit-layers 5:5: K-composition runs from an earlier layer to a later one/],
      ["3:12", /--k-circuit-layers 3:12: this model has layers 0\.\.11/],
      ["0-1", /--k-circuit-layers must be all or comma-separated L1:L2 pairs/],
    ] as const) {
      const r = await runCli(["circuit", "--model", dir, "--k-circuit-layers", value]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
    }
  });
});
