// Arguments and models that used to give silently wrong output: each is an error (exit 1, one line) or a warning.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SeededRandom, writeSafetensors, type TensorToWrite } from "@attnscope/core";
import { parseTokenList, parseThreshold } from "../src/parse.js";
import { describeWithFixtures, runCli, tinyDir } from "./helpers.js";

const work = mkdtempSync(path.join(os.tmpdir(), "attnscope-cli-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^attnscope: error: /);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

/** A small model folder whose W_Q of layer 0 holds one NaN at [1, 2, 3]. */
function nanModel(): string {
  const cfg = {
    d_model: 8,
    d_head: 4,
    n_heads: 2,
    n_layers: 2,
    n_ctx: 32,
    d_vocab: 20,
    attn_only: true,
    normalization_type: null,
    positional_embedding_type: "shortformer",
  };
  const rng = new SeededRandom(3);
  const t = (shape: number[]): TensorToWrite => ({
    dtype: "float32",
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.3),
  });
  const sd: Record<string, TensorToWrite> = { "embed.W_E": t([20, 8]), "pos_embed.W_pos": t([32, 8]) };
  for (let l = 0; l < 2; l++) {
    const p = `blocks.${l}.attn.`;
    Object.assign(sd, {
      [`${p}W_Q`]: t([2, 8, 4]),
      [`${p}W_K`]: t([2, 8, 4]),
      [`${p}W_V`]: t([2, 8, 4]),
      [`${p}W_O`]: t([2, 4, 8]),
      [`${p}b_Q`]: t([2, 4]),
      [`${p}b_K`]: t([2, 4]),
      [`${p}b_V`]: t([2, 4]),
      [`${p}b_O`]: t([8]),
    });
  }
  Object.assign(sd, { "unembed.W_U": t([8, 20]), "unembed.b_U": t([20]) });
  (sd["blocks.0.attn.W_Q"].data as Float32Array)[(1 * 8 + 2) * 4 + 3] = NaN;
  const dir = path.join(work, "nan-model");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(cfg));
  writeFileSync(path.join(dir, "model.safetensors"), writeSafetensors(sd));
  return dir;
}

describe("argument parsing", () => {
  it("--tokens 0,,1 is an error, not [0, 1]", () => {
    expect(() => parseTokenList("0,,1")).toThrow(/--tokens: entry 1 is empty \(in "0,,1"\)/);
    expect(() => parseTokenList("0,1,")).toThrow(/entry 2 is empty/);
    expect(parseTokenList("0, 1 ,2")).toEqual([0, 1, 2]);
  });
  it("--threshold outside [0, 1] warns, inside does not", () => {
    const warnings: string[] = [];
    expect(parseThreshold("1.5", (m) => warnings.push(m))).toBe(1.5);
    expect(parseThreshold("-0.1", (m) => warnings.push(m))).toBe(-0.1);
    expect(parseThreshold("0.4", (m) => warnings.push(m))).toBe(0.4);
    expect(warnings).toEqual([
      "--threshold 1.5 is outside [0, 1]: detector scores are mean attention probabilities, so no head passes it",
      "--threshold -0.1 is outside [0, 1]: detector scores are mean attention probabilities, so every head passes it",
    ]);
  });
});

describe("the CLI on bad arguments", () => {
  it("--tokens 0,,1 exits 1 naming the empty entry", async () => {
    expectOneLineError(await runCli(["detect", "--tokens", "0,,1"]), /--tokens: entry 1 is empty/);
  });
  it("induction --tokens on a sequence that does not repeat is refused", async () => {
    expectOneLineError(
      await runCli(["induction", "--tokens", "0,5,6,7,8"]),
      /--tokens does not repeat: position 3 holds 7 but its copy of position 1 should be 5/,
    );
    expectOneLineError(
      await runCli(["induction", "--tokens", "0,5,6,5,6;0,1,2,3"]),
      /--tokens sequence 1 has 4 tokens; induction needs BOS \+ a half \+ the same half again/,
    );
  });
  it("--threshold outside [0, 1] warns on stderr and still runs", async () => {
    const r = await runCli(["detect", "--threshold", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^attnscope: warning: --threshold 2 is outside \[0, 1\]/);
    expect(JSON.parse(r.stdout).detectors.current).toEqual([]);
  });
  it("a very short input warns that detector scores are meaningless", async () => {
    const r = await runCli(["detect", "--text", "", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: the input is only 1 token long \(BOS included\): detector scores average too few attention entries to mean anything/,
    );
    const long = await runCli(["detect", "--text", "a longer input, with enough tokens", "--json"]);
    expect(long.stderr).toBe("");
  });
});

describeWithFixtures("the CLI on the fixture model", () => {
  it("--seq-len above the context says the maximum", async () => {
    expectOneLineError(
      await runCli(["induction", "--model", tinyDir, "--seq-len", "200"]),
      /--seq-len 200 needs 401 tokens \(BOS \+ 2 × 200\), more than this model's context n_ctx = 256: the maximum --seq-len is 127/,
    );
  });
});

describe("a model with a NaN weight", () => {
  const dir = nanModel();
  it("is refused when loaded, naming the weight and the index", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", dir, "--tokens", "0,1,2,3,4,5,6,7"]),
      /model\.safetensors: W_Q of layer 0 \(blocks\.0\.attn\.W_Q\) holds 1 NaN at \[1, 2, 3\] weights with non-finite values make every output NaN/,
    );
  });
  it("with --allow-non-finite, detect exits 1 instead of printing null scores", async () => {
    expectOneLineError(
      await runCli(["detect", "--model", dir, "--allow-non-finite", "--tokens", "0,1,2,3,4,5,6,7", "--json"]),
      /blocks\.0\.attn\.hook_pattern holds \d+ non-finite values \(the first, at \[1, 0, 0\], is NaN\): the model computes NaN/,
    );
  });
  it("with --allow-non-finite, induction exits 1 instead of printing NaN losses", async () => {
    expectOneLineError(
      await runCli(["induction", "--model", dir, "--allow-non-finite", "--seq-len", "5", "--batch", "2"]),
      /the mean loss on the first half is NaN: the model computes NaN/,
    );
  });
});

describe("a download that stalls", () => {
  it("--idle-timeout 0.5 fails as stalled within the second, naming the URL, and caches nothing", async () => {
    const server = http.createServer(() => {}); // accepts requests and never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const cache = mkdtempSync(path.join(work, "cache-"));
    try {
      const r = await runCli(["detect", "--model", "hf:test/tiny", "--tokens", "0", "--idle-timeout", "0.5"], {
        HF_ENDPOINT: `http://127.0.0.1:${port}`,
        ATTNSCOPE_CACHE: cache,
      });
      expectOneLineError(
        r,
        new RegExp(
          `download of http://127\\.0\\.0\\.1:${port}/test/tiny/resolve/main/config\\.json stalled: no data for 0\\.5 s after 0 bytes`,
        ),
      );
      expect(readdirSync(cache)).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  it("--idle-timeout must be positive", async () => {
    expectOneLineError(
      await runCli(["detect", "--idle-timeout", "0"]),
      /--idle-timeout must be a positive number of seconds, got "0"/,
    );
  });
});
