import { existsSync, readFileSync, mkdtempSync, writeFileSync, copyFileSync, readdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../src/io/progress.js";
import {
  HfTokenizer,
  loadTokenizer,
  toStrTokens,
  toTokens,
  tokenizerFromJson,
  TokenizerError,
} from "../../src/tokenizer/index.js";
import { sharedDir, tinyDir } from "../helpers/fixtures.js";

const tokenizerFile = path.join(sharedDir, "tokenizers", "gpt-neox-20b.json");
const arenaPromptFile = path.join(sharedDir, "fixtures", "attn_only_2L_half", "we_think_prompt.attn.json");
const hasTokenizer = existsSync(tokenizerFile) && existsSync(path.join(tinyDir, "goldens.json"));
const describeNeox = hasTokenizer ? describe : describe.skip;
if (!hasTokenizer) console.warn(`tokenizer tests skipped: ${tokenizerFile} or the tl-attn2l-tiny goldens not found`);

interface GoldenInput {
  name: string;
  text: string | null;
  tokens: number[];
  str_tokens: string[];
}

describeNeox("GPT-NeoX-20B tokenizer.json (fixtures in ../shared)", () => {
  let tk: HfTokenizer;
  let inputs: GoldenInput[];
  beforeAll(() => {
    tk = tokenizerFromJson(readFileSync(tokenizerFile, "utf8"), { name: "gpt-neox-20b.json" });
    inputs = JSON.parse(readFileSync(path.join(tinyDir, "goldens.json"), "utf8")).inputs;
  });

  it("has BOS <|endoftext|> = 0 and 50,277 ids", () => {
    expect(tk.bosTokenId).toBe(0);
    expect(tk.vocabSize).toBe(50277);
    expect(tk.decode([0])).toBe("<|endoftext|>");
  });

  it("reproduces the golden token ids and str_tokens of every text input", () => {
    const texts = inputs.filter((i) => i.text !== null);
    expect(texts.map((i) => i.name)).toEqual(expect.arrayContaining(["seed_text", "unicode_text"]));
    for (const input of texts) {
      const tokens = toTokens(tk, input.text!, { nCtx: 256 });
      expect(tokens, input.name).toEqual(input.tokens);
      expect(toStrTokens(tk, tokens), input.name).toEqual(input.str_tokens);
      expect(toStrTokens(tk, input.text!), input.name).toEqual(input.str_tokens);
    }
  });

  it("reproduces the golden str_tokens of the id inputs (repeated_random, bos_only)", () => {
    for (const input of inputs.filter((i) => i.text === null)) {
      expect(toStrTokens(tk, input.tokens), input.name).toEqual(input.str_tokens);
    }
  });

  it("round-trips every golden text through encode/decode", () => {
    for (const input of inputs.filter((i) => i.text !== null))
      expect(tk.decode(tk.encode(input.text!))).toBe(input.text);
  });

  it("gives ARENA's 62 ids for the seed paragraph", () => {
    if (!existsSync(arenaPromptFile)) return console.warn(`skipped: ${arenaPromptFile} not found`);
    const arena = JSON.parse(readFileSync(arenaPromptFile, "utf8"));
    const tokens = toTokens(tk, arena.text);
    expect(tokens).toHaveLength(62);
    expect(tokens).toEqual(arena.token_ids);
    expect(toStrTokens(tk, tokens)).toEqual(arena.str_tokens);
  });

  it("splits runs of spaces out as added tokens before byte-level BPE", () => {
    expect(tk.encode("a   b")).toEqual([66, 50275, 67]);
    expect(tk.idToStr(50275)).toBe("   ");
  });

  it("does not clean up spaces when decoding (TransformerLens passes clean_up_tokenization_spaces=False)", () => {
    for (const s of ["a , b .", "don 't ?", "x  !  y"]) expect(tk.decode(tk.encode(s))).toBe(s);
  });

  it("shows U+FFFD for per-id decodes of split multi-byte characters but decodes the sequence exactly", () => {
    const ids = tk.encode("🚀");
    expect(ids.length).toBeGreaterThan(1);
    expect(ids.map((id) => tk.idToStr(id)).join("")).toContain("\uFFFD");
    expect(tk.decode(ids)).toBe("🚀");
  });

  it("encodes without special tokens and text '' as no ids", () => {
    expect(tk.encode("")).toEqual([]);
    expect(toTokens(tk, "")).toEqual([0]);
    expect(toTokens(tk, "We", { prependBos: false })).toEqual([1231]);
  });

  it("refuses text longer than n_ctx, saying how long it is", () => {
    expect(tk.encode(" the")).toHaveLength(1);
    const text = " the".repeat(2112);
    expect(() => toTokens(tk, text, { nCtx: 2048 })).toThrow(
      /^text is 2113 tokens long \(with BOS\), more than n_ctx = 2048/,
    );
    expect(() => toTokens(tk, text, { nCtx: 2048, prependBos: false })).toThrow(
      /^text is 2112 tokens long \(without BOS\)/,
    );
    expect(toTokens(tk, " the".repeat(2047), { nCtx: 2048 })).toHaveLength(2048);
  });

  it("refuses non-integer ids in decode, naming the position", () => {
    expect(() => tk.decode([0, 1.5])).toThrow(/position 1 is 1\.5/);
    expect(() => tk.decode([-3])).toThrow(TokenizerError);
  });

  it("loads from a file path and from a folder holding tokenizer.json", async () => {
    const fromFile = await loadTokenizer(tokenizerFile);
    expect(fromFile.encode("We think")).toEqual([1231, 1158]);
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-tok-"));
    copyFileSync(tokenizerFile, path.join(dir, "tokenizer.json"));
    writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<|padding|>" }));
    const fromDir = await loadTokenizer(dir);
    expect(fromDir.bosTokenId).toBe(1); // the folder's tokenizer_config.json names the BOS token
    expect(await loadTokenizer(fromDir)).toBe(fromDir);
  });
});

describeNeox("tokenizer.json from a URL (local HTTP server)", () => {
  let server: http.Server;
  let base = "";
  let requests: string[] = [];
  beforeAll(async () => {
    const body = readFileSync(tokenizerFile);
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      if (req.url === "/EleutherAI/gpt-neox-20b/resolve/main/tokenizer.json" || req.url === "/files/tokenizer.json") {
        res.writeHead(200, { "content-length": body.length, "content-type": "application/json" });
        res.end(body);
      } else {
        res.writeHead(404).end("not found");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("downloads with progress events and reads the second load from the cache", async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), "attnscope-tokcache-"));
    const events: ProgressEvent[] = [];
    requests = [];
    const tk = await loadTokenizer(`${base}/files/tokenizer.json`, {
      cache: cacheDir,
      onProgress: (e) => events.push(e),
    });
    expect(tk.encode("We think")).toEqual([1231, 1158]);
    const downloads = events.filter((e) => e.phase === "download");
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)!.loaded).toBe(readFileSync(tokenizerFile).length);
    expect(downloads.at(-1)!.total).toBe(readFileSync(tokenizerFile).length);
    expect(requests).toEqual(["/files/tokenizer.json"]);
    expect(readdirSync(cacheDir, { recursive: true }).length).toBeGreaterThan(0);
    const again = await loadTokenizer(`${base}/files/tokenizer.json`, { cache: cacheDir });
    expect(again.encode("We think")).toEqual([1231, 1158]);
    expect(requests).toEqual(["/files/tokenizer.json"]); // no second request
  });

  it("resolves hf:owner/repo (its tokenizer.json) against the hub endpoint", async () => {
    requests = [];
    const tk = await loadTokenizer("hf:EleutherAI/gpt-neox-20b", { hfEndpoint: base, cache: false });
    expect(tk.bosTokenId).toBe(0);
    expect(requests).toEqual(["/EleutherAI/gpt-neox-20b/resolve/main/tokenizer.json"]);
  });

  it("names the URL of a missing file", async () => {
    await expect(loadTokenizer(`${base}/missing/tokenizer.json`, { cache: false })).rejects.toThrow(
      /missing\/tokenizer\.json.*404/,
    );
  });

  it("reads file: URLs and bytes", async () => {
    expect((await loadTokenizer(pathToFileURL(tokenizerFile).href)).vocabSize).toBe(50277);
    expect((await loadTokenizer(new Uint8Array(readFileSync(tokenizerFile)))).vocabSize).toBe(50277);
  });
});

describe("tokenizer.json errors", () => {
  it("refuses text that is not JSON, naming the source", () => {
    expect(() => tokenizerFromJson("{ not json", { name: "my.json" })).toThrow(/^my\.json is not valid JSON/);
  });
  it("refuses JSON without a model", () => {
    expect(() => tokenizerFromJson({ version: "1.0" } as never)).toThrow(
      /not a tokenizer\.json \(no "model" object; keys: version\)/,
    );
    expect(() => tokenizerFromJson("[1,2]")).toThrow(/expected a tokenizer\.json object, got an array/);
  });
  it("says which file is missing", async () => {
    await expect(loadTokenizer("/nonexistent/tokenizer.json")).rejects.toThrow(
      "tokenizer file not found: /nonexistent/tokenizer.json",
    );
  });
  it("refuses an empty source", async () => {
    await expect(loadTokenizer("")).rejects.toThrow(/tokenizer source must be/);
  });
});
