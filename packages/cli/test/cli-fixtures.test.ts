// End-to-end checks of the CLI contract on the TransformerLens goldens of ../shared/fixtures/tl-attn2l-tiny.
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { readSafetensors } from "@attnscope/core";
import { describeWithFixtures, expectScoresClose, goldenInput, neoxTokenizer, runCli, tinyDir } from "./helpers.js";

const model = ["--model", tinyDir, "--tokenizer", neoxTokenizer];
function readSafetensorsFile(file: string) {
  const b = readFileSync(file);
  return readSafetensors(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), file).tensors;
}

describeWithFixtures("attnscope detect --json on the tiny TransformerLens model", () => {
  for (const name of ["seed_text", "unicode_text"]) {
    it(`${name}: tokens, str_tokens, detector lists and scores match the goldens`, async () => {
      const golden = goldenInput(name);
      const r = await runCli(["detect", ...model, "--text", golden.text!, "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(Object.keys(out)).toEqual(["tokens", "str_tokens", "detectors", "scores"]);
      expect(Object.keys(out.detectors)).toEqual(["current", "previous", "first"]);
      expect(Object.keys(out.scores)).toEqual(["current", "previous", "first"]);
      expect(out.tokens).toEqual(golden.tokens);
      expect(out.str_tokens).toEqual(golden.str_tokens);
      expect(out.detectors).toEqual({
        current: golden.heads.current_token,
        previous: golden.heads.previous_token,
        first: golden.heads.first_token,
      });
      expectScoresClose(out.scores.current, golden.scores.current_token);
      expectScoresClose(out.scores.previous, golden.scores.previous_token);
      expectScoresClose(out.scores.first, golden.scores.first_token);
    });
  }

  it("gives the same goldens on the plain TypeScript engine (--backend ts)", async () => {
    const golden = goldenInput("seed_text");
    const r = await runCli(["detect", ...model, "--backend", "ts", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.detectors.first).toEqual(golden.heads.first_token);
    expectScoresClose(out.scores.previous, golden.scores.previous_token);
    expectScoresClose(out.scores.first, golden.scores.first_token);
  });

  it("--processing default on this shortformer model: explained as TransformerLens warns, patterns unchanged", async () => {
    const golden = goldenInput("seed_text");
    const r = await runCli(["detect", ...model, "--processing", "default", "--json"]);
    expect(r.code).toBe(0);
    // fold_ln, center_writing_weights and center_unembed cannot apply; fold_value_biases leaves patterns alone.
    expect(r.stderr).toMatch(/warning: .*fold_ln was requested for a shortformer model, but this can't be done/);
    expect(r.stderr).toMatch(/center_unembed was requested for a shortformer model/);
    const out = JSON.parse(r.stdout);
    expectScoresClose(out.scores.previous, golden.scores.previous_token);
    expectScoresClose(out.scores.first, golden.scores.first_token);
  });

  it("runs the seed paragraph when given neither --text nor --tokens", async () => {
    const golden = goldenInput("seed_text");
    const out = JSON.parse((await runCli(["detect", ...model, "--json"])).stdout);
    expect(out.tokens).toEqual(golden.tokens);
    expect(out.detectors.previous).toEqual(golden.heads.previous_token);
  });

  it("uses --tokens as given and writes NaN scores as null (BOS only)", async () => {
    const golden = goldenInput("bos_only");
    const r = await runCli(["detect", "--model", tinyDir, "--tokens", "0", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tokens).toEqual([0]);
    expect(out.scores.previous).toEqual([
      [null, null, null, null],
      [null, null, null, null],
    ]);
    expect(out.detectors).toEqual({
      current: golden.heads.current_token,
      previous: golden.heads.previous_token,
      first: golden.heads.first_token,
    });
  });

  it("--threshold changes which heads are listed", async () => {
    const out = JSON.parse((await runCli(["detect", ...model, "--threshold", "0.95", "--json"])).stdout);
    // seed_text first-token scores: L0 0.035 0.959 0.983 1.000, L1 0.868 0.938 0.936 0.932 (fixtures README)
    expect(out.detectors.first).toEqual(["0.1", "0.2", "0.3"]);
    expect(out.detectors.previous).toEqual([]);
  });

  it("prints a readable table without --json", async () => {
    const r = await runCli(["detect", ...model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/previous-token scores/);
    expect(r.stdout).toMatch(/L0\s+0\.776/);
    expect(r.stdout).toMatch(/previous-token: 0\.0\n/);
    expect(r.stdout).toMatch(/first-token: +0\.1 0\.2 0\.3 1\.0 1\.1 1\.2 1\.3\n/);
  });
});

describeWithFixtures("attnscope induction on the tiny TransformerLens model", () => {
  it("gives the golden induction scores, heads and half losses on the fixture's repeated tokens", async () => {
    const golden = goldenInput("repeated_random");
    const r = await runCli(["induction", "--model", tinyDir, "--tokens", golden.tokens.join(","), "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["induction_scores", "induction_heads", "loss_first_half", "loss_second_half"]);
    expect(out.induction_heads).toEqual(golden.induction_heads);
    expectScoresClose(out.induction_scores, golden.induction_scores!);
    expect(Math.abs(out.loss_first_half - golden.mean_loss_first_half!)).toBeLessThan(1e-4);
    expect(Math.abs(out.loss_second_half - golden.mean_loss_second_half!)).toBeLessThan(1e-4);
  });

  it("refuses --seq-len that does not fit --tokens", async () => {
    const golden = goldenInput("repeated_random");
    const r = await runCli(["induction", "--model", tinyDir, "--tokens", golden.tokens.join(","), "--seq-len", "20"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^attnscope: error: .*seqLen 20.*length 101/);
  });

  it("generates random repeated tokens with --seq-len/--batch/--seed, deterministically", async () => {
    const args = ["induction", "--model", tinyDir, "--seq-len", "10", "--batch", "2", "--seed", "3", "--json"];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect(a.code).toBe(0);
    const out = JSON.parse(a.stdout);
    expect(out.induction_scores).toHaveLength(2);
    expect(out.induction_scores[0]).toHaveLength(4);
    expect(a.stdout).toBe(b.stdout);
  });
});

describeWithFixtures("attnscope cache on the tiny TransformerLens model", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-cli-"));

  it("writes every hook and the logits of seed_text, matching the goldens within 1e-4", async () => {
    const golden = goldenInput("seed_text");
    const out = path.join(dir, "seed.safetensors");
    const r = await runCli(["cache", ...model, "--text", golden.text!, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const written = readSafetensorsFile(out);
    const goldenTensors = readSafetensorsFile(path.join(tinyDir, golden.golden_file));
    const hookNames = Object.keys(golden.tensors).filter((n) => n.startsWith("hook_") || n.startsWith("blocks."));
    expect(hookNames).toHaveLength(22);
    expect([...written.keys()].sort()).toEqual([...hookNames, "logits"].sort());
    for (const name of hookNames) {
      const a = written.get(name)!;
      const g = goldenTensors.get(name)!;
      expect(a.dtype, name).toBe("float32");
      expect(a.shape, name).toEqual(g.shape);
      const gd = g.data as Float32Array;
      const ad = a.data as Float32Array;
      let maxAbs = 0;
      for (const v of gd) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
      const tol = 1e-4 * Math.max(1, maxAbs);
      for (let i = 0; i < gd.length; i++) {
        if (gd[i] === ad[i]) continue; // equal, including -inf above the diagonal of hook_attn_scores
        if (!(Math.abs(gd[i] - ad[i]) <= tol)) expect.fail(`${name}[${i}]: ${ad[i]} vs golden ${gd[i]}`);
      }
    }
    // logits: [T, d_vocab]; the goldens keep the first 1024 columns and three full rows
    const logits = written.get("logits")!;
    const T = golden.tokens.length;
    expect(logits.shape).toEqual([T, 50278]);
    const ld = logits.data as Float32Array;
    const firstCols = goldenTensors.get("logits_first_cols")!.data as Float32Array;
    const rows = goldenTensors.get("logits_rows")!.data as Float32Array;
    let maxAbs = 1;
    for (const v of firstCols) maxAbs = Math.max(maxAbs, Math.abs(v));
    for (const v of rows) maxAbs = Math.max(maxAbs, Math.abs(v));
    const tol = 1e-4 * maxAbs;
    for (let t = 0; t < T; t++) {
      for (let v = 0; v < 1024; v++) {
        const d = Math.abs(ld[t * 50278 + v] - firstCols[t * 1024 + v]);
        if (!(d <= tol)) expect.fail(`logits[${t}, ${v}]: ${ld[t * 50278 + v]} vs golden ${firstCols[t * 1024 + v]}`);
      }
    }
    const rowPositions = Array.from(goldenTensors.get("logits_rows_positions")!.data as BigInt64Array, Number);
    rowPositions.forEach((t, k) => {
      for (let v = 0; v < 50278; v++) {
        const d = Math.abs(ld[t * 50278 + v] - rows[k * 50278 + v]);
        if (!(d <= tol)) expect.fail(`logits[${t}, ${v}]: ${ld[t * 50278 + v]} vs golden ${rows[k * 50278 + v]}`);
      }
    });
  });

  it("keeps only the hooks --names selects (plus logits)", async () => {
    const out = path.join(dir, "patterns.safetensors");
    const r = await runCli([
      "cache",
      "--model",
      tinyDir,
      "--tokens",
      "0,1231,1158",
      "--names",
      "blocks.*.attn.hook_pattern",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const written = readSafetensorsFile(out);
    expect([...written.keys()].sort()).toEqual(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern", "logits"]);
    expect(written.get("blocks.1.attn.hook_pattern")!.shape).toEqual([4, 3, 3]);
    expect(written.get("logits")!.shape).toEqual([3, 50278]);
  });

  it("leaves the logits out with --no-logits", async () => {
    const out = path.join(dir, "nologits.safetensors");
    const r = await runCli([
      "cache",
      "--model",
      tinyDir,
      "--tokens",
      "0,5",
      "--names",
      "hook_embed",
      "--no-logits",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect([...readSafetensorsFile(out).keys()]).toEqual(["hook_embed"]);
  });
});
