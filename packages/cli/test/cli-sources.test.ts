// --model sources: a folder with model.pth and its own tokenizer.json, and hf: downloads (progress bar on
// stderr, cached) from a local HTTP server standing in for the Hub.
import { mkdtempSync, readFileSync, symlinkSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithFixtures, goldenInput, neoxTokenizer, runCli, tinyDir } from "./helpers.js";

describeWithFixtures("attnscope --model sources", () => {
  let server: http.Server;
  let endpoint = "";
  let requests: string[] = [];
  const served: Record<string, string> = {
    "/test/tiny/resolve/main/config.json": path.join(tinyDir, "config.json"),
    "/test/tiny/resolve/main/model.safetensors": path.join(tinyDir, "model.safetensors"),
    "/test/tiny/resolve/main/tokenizer.json": neoxTokenizer,
  };
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      const file = served[req.url ?? ""];
      if (!file) return void res.writeHead(404).end("not found");
      const body = readFileSync(file);
      res.writeHead(200, { "content-length": body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a folder with config.json, model.pth and tokenizer.json needs no --tokenizer", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-model-"));
    symlinkSync(path.join(tinyDir, "config.json"), path.join(dir, "config.json"));
    symlinkSync(path.join(tinyDir, "model.pth"), path.join(dir, "model.pth"));
    symlinkSync(neoxTokenizer, path.join(dir, "tokenizer.json"));
    const golden = goldenInput("seed_text");
    const r = await runCli(["detect", "--model", dir, "--json"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.tokens).toEqual(golden.tokens);
    expect(out.detectors.first).toEqual(golden.heads.first_token);
  });

  it("hf:owner/repo downloads with a progress bar on stderr, JSON alone on stdout, then uses the cache", async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), "attnscope-cache-"));
    const env = { HF_ENDPOINT: endpoint, ATTNSCOPE_CACHE: cache };
    requests = [];
    const r = await runCli(["detect", "--model", "hf:test/tiny", "--json", "--progress"], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout); // stdout holds the JSON only
    expect(out.detectors.previous).toEqual(goldenInput("seed_text").heads.previous_token);
    expect(r.stderr).toMatch(/Downloading .*model\.safetensors/);
    expect(r.stderr).toMatch(/100%/);
    expect(requests).toEqual(expect.arrayContaining(Object.keys(served)));
    expect(readdirSync(cache, { recursive: true }).length).toBeGreaterThan(0);

    requests = [];
    const again = await runCli(["detect", "--model", "hf:test/tiny", "--json"], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(""); // stderr is not a terminal and --progress is off: no bar
    expect(again.stdout).toBe(r.stdout);
    expect(requests).toEqual([]);
  });

  it("an unreachable hub is one error line", async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), "attnscope-cache-"));
    const r = await runCli(["detect", "--model", "hf:test/tiny", "--tokens", "0"], {
      HF_ENDPOINT: "http://127.0.0.1:9",
      ATTNSCOPE_CACHE: cache,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^attnscope: error: .*could not download http:\/\/127\.0\.0\.1:9\/test\/tiny\/resolve\/main\/config\.json/,
    );
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("a model folder written by attnscope train", () => {
  it("runs with the byte-level tokenizer its config names (no tokenizer.json)", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "attnscope-trained-")), "model");
    const train = await runCli([
      "train",
      "--d-model",
      "16",
      "--n-heads",
      "2",
      "--n-ctx",
      "64",
      "--steps",
      "2",
      "--batch",
      "2",
      "--seq-len",
      "32",
      "--eval-every",
      "2",
      "--out",
      dir,
    ]);
    expect(train.code, train.stderr).toBe(0);
    expect(readdirSync(dir)).not.toContain("tokenizer.json");
    const r = await runCli(["detect", "--model", dir, "--text", "héllo", "--json"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.tokens).toEqual([256, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]); // BOS + UTF-8 bytes
    expect(out.str_tokens).toEqual(["<|BOS|>", "h", "\\xc3", "é", "l", "l", "o"]);
    expect(out.scores.first).toHaveLength(2);
    expect(out.scores.first[0]).toHaveLength(2);
  });

  it("train-tokenizer writes a BPE tokenizer.json; train on it writes float16 weights and the tokenizer beside them", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "attnscope-bpe-"));
    const corpus = path.join(tmp, "corpus.txt");
    writeFileSync(corpus, "the cat sat on the mat. the cat ate the rat. ".repeat(40));
    const tok = await runCli([
      "train-tokenizer",
      "--corpus",
      corpus,
      "--vocab-size",
      "300",
      "--out",
      path.join(tmp, "tokenizer.json"),
    ]);
    expect(tok.code, tok.stderr).toBe(0);
    // Every distinct word occurs 40 times, so merging goes on until each word is one token, well under 300 ids.
    expect(tok.stdout).toMatch(/^learned \d+ merges \(vocabulary \d+\)/);
    const dir = path.join(tmp, "model");
    const train = await runCli([
      "train",
      "--tokenizer",
      path.join(tmp, "tokenizer.json"),
      "--corpus",
      corpus,
      "--d-model",
      "16",
      "--n-heads",
      "2",
      "--n-ctx",
      "64",
      "--steps",
      "2",
      "--batch",
      "2",
      "--seq-len",
      "16",
      "--eval-every",
      "2",
      "--repeat-text-fraction",
      "0.5",
      "--repeat-fraction",
      "0.25",
      "--random-tokens-from",
      "top:8,1:vocab",
      "--dtype",
      "float16",
      "--out",
      dir,
    ]);
    expect(train.code, train.stderr).toBe(0);
    const log = JSON.parse(readFileSync(path.join(dir, "training-log.json"), "utf8"));
    expect(log.options.randomTokensFrom).toEqual({ top: 8 });
    expect(log.options.randomTokensLater).toEqual([{ fromStep: 1, from: "vocab" }]);
    for (const [bad, why] of [
      ["top:8,0:vocab", /the steps must increase from 1, got 0 after 0/],
      ["top:8,5:vocab,5:corpus", /the steps must increase from 1, got 5 after 5/],
      ["top:8,vocab", /"vocab" should be STEP:SOURCE/],
      ["top:8,5:bytes", /must be vocab, corpus or top:K .* got "top:8,5:bytes"/],
    ] as const) {
      const r = await runCli(["train", "--steps", "1", "--random-tokens-from", bad, "--out", path.join(tmp, "bad")]);
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr, bad).toMatch(why);
    }
    expect(readFileSync(path.join(dir, "tokenizer.json"), "utf8")).toBe(
      readFileSync(path.join(tmp, "tokenizer.json"), "utf8"),
    );
    const file = readFileSync(path.join(dir, "model.safetensors"));
    const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString("utf8")); // safetensors: u64 length, JSON
    expect(header["embed.W_E"].dtype).toBe("F16");
    const [dVocab, dModel] = header["embed.W_E"].shape;
    expect(dModel).toBe(16);
    expect(dVocab).toBeGreaterThan(257); // the bytes, <|endoftext|> and some merges
    expect(dVocab).toBeLessThan(300);
    // Five tokens or more, so detect has no short-input warning to print.
    const r = await runCli(["detect", "--model", dir, "--text", "the cat sat on the mat", "--json"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.str_tokens).toEqual(["<|endoftext|>", "the", " cat", " sat", " on", " the", " mat"]);
    expect(out.tokens[0]).toBe(0);
  });
});
