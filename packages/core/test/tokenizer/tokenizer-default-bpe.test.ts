/**
 * The committed tokenizer.json of the subword model (assets/attnscope-bpe-2l), as learned by `attnscope
 * train-tokenizer --vocab-size 6144` on the default corpus: @huggingface/tokenizers loads it like any other,
 * BOS <|endoftext|> = 0, common words are single tokens, and any text round-trips.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bytesToUnicode, loadTokenizer, SEED_TEXT, toTokens } from "../../src/index.js";

const file = path.resolve(
  path.dirname(path.dirname(fileURLToPath(import.meta.url))),
  "..",
  "assets",
  "attnscope-bpe-2l",
  "tokenizer.json",
);

describe("assets/attnscope-bpe-2l/tokenizer.json", async () => {
  const tk = await loadTokenizer(file);
  const json = JSON.parse(readFileSync(file, "utf8"));

  it("has 6,144 ids: <|endoftext|> = 0 (the BOS), the 256 bytes in byte order, then the merges", () => {
    expect(tk.vocabSize).toBe(6144);
    expect(tk.bosTokenId).toBe(0);
    expect(tk.decode([0])).toBe("<|endoftext|>");
    const bytes = bytesToUnicode();
    for (let b = 0; b < 256; b++) expect(json.model.vocab[bytes[b]]).toBe(1 + b);
    expect(json.model.merges).toHaveLength(6144 - 257);
    expect(json.normalizer).toBeNull(); // nothing rewrites the text, so decoding gives it back exactly
  });

  it("splits English into words and pieces of words, BOS first", () => {
    const ids = toTokens(tk, SEED_TEXT);
    expect(ids[0]).toBe(0);
    expect(ids.length).toBeLessThan(SEED_TEXT.length / 3);
    for (const w of [" the", " committee", " think", " that", " government"]) expect(tk.encode(w), w).toHaveLength(1);
  });

  it("round-trips text with control characters, combining marks and characters it never saw", () => {
    for (const t of [
      "naïve café 日本語 😀 👩‍👩‍👧",
      "\u0000\u0001\t\r\n\u001b\u007f\u0085",
      "e\u0301 vs é",
      "  two  spaces  \n\n",
      "<|endoftext|>x",
      SEED_TEXT,
    ]) {
      expect(tk.decode(tk.encode(t)), JSON.stringify(t)).toBe(t);
    }
  });
});
