// Bad input: one clear line on stderr, exit code 1, no stack trace.
import { expect, it } from "vitest";
import { describe } from "vitest";
import { describeWithFixtures, neoxTokenizer, runCli, tinyDir } from "./helpers.js";

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^attnscope: error: /);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toMatch(pattern);
}

describe("attnscope usage", () => {
  it("--help lists the commands", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["detect", "cache", "induction", "train"]) expect(r.stdout).toContain(c);
  });
  it("an unknown option is refused by commander with exit code 1", async () => {
    const r = await runCli(["detect", "--bogus"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });
  it("an unknown model is named", async () => {
    expectOneLineError(await runCli(["detect", "--model", "no-such-model-xyz", "--tokens", "0"]), /no-such-model-xyz/);
  });
  it("cache without --out says so", async () => {
    expectOneLineError(await runCli(["cache", "--tokens", "0"]), /cache needs --out FILE\.safetensors/);
  });
  it("a bad --threshold is named", async () => {
    expectOneLineError(await runCli(["detect", "--threshold", "high"]), /--threshold must be a number, got "high"/);
  });
  it("an unknown --backend is named", async () => {
    expectOneLineError(
      await runCli(["detect", "--backend", "gpu"]),
      /--backend must be one of auto, kernels, ts, ort, got "gpu"/,
    );
  });
  it("an unknown --processing is named", async () => {
    expectOneLineError(
      await runCli(["detect", "--processing", "all"]),
      /--processing must be one of default, none, got "all"/,
    );
  });
  it("bad --seq-len is named", async () => {
    expectOneLineError(await runCli(["induction", "--seq-len", "0"]), /--seq-len must be an integer ≥ 1/);
  });
});

describeWithFixtures("bad input on a real model", () => {
  it("bad --tokens names the entry", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", tinyDir, "--tokens", "0,12,abc"]),
      /--tokens: "abc" at position 2 is not a token id/,
    );
  });
  it("--tokens outside the vocabulary names the id, position and d_vocab", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", tinyDir, "--tokens", "0,50278"]),
      /--tokens: token id 50278 at position 1 is outside the vocabulary \(d_vocab = 50278/,
    );
  });
  it("--text and --tokens together are refused", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", tinyDir, "--text", "hi", "--tokens", "0"]),
      /either --text or --tokens, not both/,
    );
  });
  it("--text on a model without a tokenizer asks for --tokenizer", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", tinyDir, "--text", "hi"]),
      /no tokenizer: pass --tokenizer FILE/,
    );
  });
  it("text longer than n_ctx is refused with its length", async () => {
    // " the" is one GPT-NeoX token; 300 of them + BOS = 301 > n_ctx = 256
    expectOneLineError(
      await runCli(["detect", "--model", tinyDir, "--tokenizer", neoxTokenizer, "--text", " the".repeat(300)]),
      /text is 301 tokens long \(with BOS\), more than n_ctx = 256/,
    );
  });
  it("--names matching no hook point lists the hook points", async () => {
    expectOneLineError(
      await runCli([
        "cache",
        "--model",
        tinyDir,
        "--tokens",
        "0",
        "--names",
        "blocks.*.hook_patern",
        "--out",
        "/tmp/x.safetensors",
      ]),
      /--names "blocks\.\*\.hook_patern" matches no hook point; hook points: hook_embed/,
    );
  });
  it("an unwritable --out is named", async () => {
    expectOneLineError(
      await runCli(["cache", "--model", tinyDir, "--tokens", "0", "--out", "/nonexistent-dir/x.safetensors"]),
      /cannot write \/nonexistent-dir\/x\.safetensors/,
    );
  });
  it("a missing tokenizer file is named", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", tinyDir, "--tokenizer", "/nope/tokenizer.json"]),
      /\/nope\/tokenizer\.json/,
    );
  });
  it("ATTNSCOPE_DEBUG=1 adds the stack trace", async () => {
    const r = await runCli(["detect", "--model", tinyDir, "--tokens", "0,abc"], { ATTNSCOPE_DEBUG: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
