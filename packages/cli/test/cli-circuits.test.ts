/**
 * `attnscope circuit`, `attribute` and `ablate`: the JSON contract, the numbers against TransformerLens's
 * circuits.json / circuits.safetensors for the tiny model (formulas in the fixture's notes), and bad input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDefaultModelFiles, readSafetensors, writeSafetensors } from "@attnscope/core";
import { describeWithFixtures, goldenInput, runCli, tinyDir } from "./helpers.js";

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^attnscope: error: /);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i])));
}

describeWithFixtures("circuit commands on the tiny TransformerLens model", () => {
  const json = JSON.parse(readFileSync(path.join(tinyDir, "circuits.json"), "utf8"));
  const golden = readSafetensors(
    new Uint8Array(readFileSync(path.join(tinyDir, "circuits.safetensors"))),
    "circuits.safetensors",
  ).tensors;

  it("circuit --vocab 1000:1300 --json prints exactly the contract's keys, reproducing circuits.json", async () => {
    const r = await runCli(["circuit", "--model", tinyDir, "--vocab", "1000:1300", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual([
      "composition",
      "composition_baseline",
      "full_ov_top1",
      "full_ov_top5",
      "full_ov_copying",
      "positional_prev_score",
      "k_comp_full_circuit_top1",
      "induction_circuits",
    ]);
    for (const mode of ["Q", "K", "V"])
      expect(maxDiff(out.composition[mode].flat(3), json.composition[mode].flat(3))).toBeLessThan(1e-4 * 0.3);
    expect(out.composition_baseline).toBeGreaterThan(0);
    expect(out.composition_baseline).toBeLessThan(0.25);
    expect(maxDiff(out.full_ov_top1.flat(), json.full_ov_top1.flat())).toBeLessThan(0.5 / 300);
    expect(maxDiff(out.full_ov_top5.flat(), json.full_ov_top5.flat())).toBeLessThan(0.5 / 300);
    expect(maxDiff(out.full_ov_copying.flat(), json.full_ov_eigenvalue_copying_score.flat())).toBeLessThan(1e-4);
    expect(maxDiff(out.positional_prev_score.flat(), json.positional_prev_score.flat())).toBeLessThan(1e-4 * 0.2);
    // [L][H][L][H]: the one layer pair 0 → 1 scored, null elsewhere
    const k = out.k_comp_full_circuit_top1 as (number | null)[][][][];
    const kRows = k[0].map((row) => row[1] as number[]);
    expect(maxDiff(kRows.flat(), json.k_comp_full_circuit_top1.flat())).toBeLessThan(0.5 / 300);
    expect(k[1].flat(2).every((x) => x === null) && k[0].every((row) => row[0].every((x) => x === null))).toBe(true);
    expect(out.induction_circuits).toHaveLength(16);
    expect(Object.keys(out.induction_circuits[0])).toEqual(["previous", "induction", "k_composition"]);
    // head 0.0 is the tiny model's previous-token head; its K-composition row is the highest (fixture README)
    expect(out.induction_circuits[0].previous).toBe("0.0");
    expect(out.induction_circuits[0].k_composition).toBeCloseTo(Math.max(...json.composition.K[0][0][1]), 4);
  });

  it("attribute --json = ARENA logit_attribution on repeated_random (labels, [T-1][9], correct and bias logits)", async () => {
    const tokens = goldenInput("repeated_random").tokens;
    const r = await runCli(["attribute", "--model", tinyDir, "--tokens", tokens.join(","), "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["labels", "attribution", "correct_logits", "bias_logits"]);
    expect(out.labels).toEqual(["direct", "0.0", "0.1", "0.2", "0.3", "1.0", "1.1", "1.2", "1.3"]);
    expect(out.attribution).toHaveLength(tokens.length - 1);
    expect(
      maxDiff(
        out.attribution.flat(),
        Array.from(golden.get("repeated_random.logit_attribution")!.data as Float32Array),
      ),
    ).toBeLessThan(1e-4);
    expect(
      maxDiff(out.correct_logits, Array.from(golden.get("repeated_random.correct_logits")!.data as Float32Array)),
    ).toBeLessThan(1e-4);
    expect(
      maxDiff(out.bias_logits, Array.from(golden.get("repeated_random.bias_logits")!.data as Float32Array)),
    ).toBeLessThan(1e-4);
  });

  it("ablate --tokens (the fixture's batch) --json = ARENA get_ablation_scores, zero and mean, within 1e-3", async () => {
    const t = golden.get("ablation.tokens")!;
    const [B, T] = t.shape;
    const ids = t.data as unknown as ArrayLike<number | bigint>;
    const rows = Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, i) => Number(ids[b * T + i])).join(","),
    );
    for (const mode of ["zero", "mean"]) {
      const r = await runCli(["ablate", "--model", tinyDir, "--mode", mode, "--tokens", rows.join(";"), "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(Object.keys(out)).toEqual(["mode", "loss_clean", "ablation_scores"]);
      expect(out.mode).toBe(mode);
      expect(Math.abs(out.loss_clean - json.ablation.loss_clean)).toBeLessThan(1e-3);
      expect(maxDiff(out.ablation_scores.flat(), json.ablation[mode].flat())).toBeLessThan(1e-3);
    }
  });

  it("ablate --induction-head 1.3 adds ARENA's ablation_induction_score for every layer-0 head (first sequence), within 1e-3; 1.12 is refused", async () => {
    const t = golden.get("ablation.tokens")!;
    const [B, T] = t.shape;
    const ids = t.data as unknown as ArrayLike<number | bigint>;
    const rows = Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, i) => Number(ids[b * T + i])).join(","),
    );
    const r = await runCli(["ablate", "--model", tinyDir, "--tokens", rows[0], "--induction-head", "1.3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.induction_head).toBe("1.3");
    const ref = json.ablation_induction_score.scores as Record<string, number>;
    expect(Object.keys(out.ablation_induction_scores)).toEqual(["none", "0.0", "0.1", "0.2", "0.3"]);
    for (const [k, v] of Object.entries(ref))
      expect(Math.abs(out.ablation_induction_scores[k] - v), k).toBeLessThan(1e-3);
    expectOneLineError(
      await runCli(["ablate", "--model", tinyDir, "--tokens", rows[0], "--induction-head", "1.12"]),
      /--induction-head: induction head 1\.12 does not exist: each layer has heads 0\.\.3/,
    );
    expectOneLineError(
      await runCli(["ablate", "--model", tinyDir, "--tokens", rows[0], "--induction-head", "0.1"]),
      /is in layer 0/,
    );
  });

  it("refuses a --vocab outside the vocabulary, an empty one, or one that is not LO:HI", async () => {
    expectOneLineError(
      await runCli(["circuit", "--model", tinyDir, "--vocab", "50000:50300"]),
      /--vocab 50000:50300: .*outside the vocabulary: token ids are 0\.\.50277/,
    );
    expectOneLineError(await runCli(["circuit", "--model", tinyDir, "--vocab", "1300:1000"]), /is empty: give lo < hi/);
    expectOneLineError(await runCli(["circuit", "--model", tinyDir, "--vocab", "1000-1300"]), /--vocab must be LO:HI/);
  });

  it("refuses ablate on tokens that are not a repeated sequence, naming the position", async () => {
    const half = [1001, 1002, 1003, 1004];
    expectOneLineError(
      await runCli(["ablate", "--model", tinyDir, "--tokens", [0, ...half, 1001, 1002, 1009, 1004].join(",")]),
      /--tokens: .*not a repeated sequence .*position 3 holds 1003 but its copy at position 7 holds 1009/,
    );
    expectOneLineError(await runCli(["ablate", "--model", tinyDir, "--tokens", "0,1,2,1,2,3"]), /odd length/);
    expectOneLineError(await runCli(["ablate", "--model", tinyDir, "--mode", "random"]), /--mode must be zero or mean/);
  });
});

describe("circuit commands on other models", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "attnscope-one-layer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("circuit on a one-layer model says composition needs two layers", async () => {
    const cfg = {
      d_model: 8,
      d_head: 2,
      n_heads: 4,
      n_layers: 1,
      n_ctx: 16,
      d_vocab: 20,
      attn_only: true,
      normalization_type: null,
      positional_embedding_type: "shortformer",
    };
    writeFileSync(path.join(dir, "config.json"), JSON.stringify(cfg));
    const f = (shape: number[]) => ({
      dtype: "float32" as const,
      shape,
      data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.1),
    });
    writeFileSync(
      path.join(dir, "model.safetensors"),
      writeSafetensors({
        "embed.W_E": f([20, 8]),
        "pos_embed.W_pos": f([16, 8]),
        "blocks.0.attn.W_Q": f([4, 8, 2]),
        "blocks.0.attn.W_K": f([4, 8, 2]),
        "blocks.0.attn.W_V": f([4, 8, 2]),
        "blocks.0.attn.W_O": f([4, 2, 8]),
        "blocks.0.attn.b_Q": f([4, 2]),
        "blocks.0.attn.b_K": f([4, 2]),
        "blocks.0.attn.b_V": f([4, 2]),
        "blocks.0.attn.b_O": f([8]),
        "unembed.W_U": f([8, 20]),
        "unembed.b_U": f([20]),
      }),
    );
    expectOneLineError(
      await runCli(["circuit", "--model", dir, "--json"]),
      /needs a model with at least two layers.*this model has 1/,
    );
  });

  it("the embedded default model: shapes [L][H], and its induction circuit ranked first is a previous-token head of layer 0", async () => {
    const r = await runCli(["circuit", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.full_ov_top1).toHaveLength(2);
    expect(out.full_ov_top1[0]).toHaveLength(8);
    expect(out.k_comp_full_circuit_top1).toHaveLength(2);
    expect(out.k_comp_full_circuit_top1[0][0][1]).toHaveLength(8);
    const detect = JSON.parse((await runCli(["detect", "--json"])).stdout);
    expect(detect.detectors.previous).toContain(out.induction_circuits[0].previous);
    const text = (await runCli(["circuit"])).stdout;
    expect(text).toMatch(/K-composition score, layer-0 head \(rows\) into layer-1 head \(columns\)\n\s+1\.0\s+1\.1/);
    expect(text).toContain(`${out.induction_circuits[0].previous} → ${out.induction_circuits[0].induction}`);
    const attr = JSON.parse((await runCli(["attribute", "--text", "abcabc", "--json"])).stdout);
    // BOS + the text's tokens (the default model's own tokenizer) → one prediction per token of the text.
    expect(attr.attribution).toHaveLength(loadDefaultModelFiles().tokenizer.encode("abcabc").length);
    expect(attr.labels).toHaveLength(17);
  });
});
