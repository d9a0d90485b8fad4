// GPT-2's tokenizer.json (../shared/tokenizers/gpt2.json): the ids TransformerLens's tl-gpt2-tiny inputs were
// made with, BOS <|endoftext|> = 50256 prepended as `to_tokens` does, and lossless round trips.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toStrTokens, toTokens, tokenizerFromJson, type HfTokenizer } from "../../src/tokenizer/index.js";
import { sharedDir } from "../helpers/fixtures.js";
import { gpt2Json, hasGpt2Fixture } from "../helpers/gpt2-fixture.js";

const tokenizerFile = path.join(sharedDir, "tokenizers", "gpt2.json");
const run = existsSync(tokenizerFile) && hasGpt2Fixture;
if (!run) console.warn(`GPT-2 tokenizer tests skipped: ${tokenizerFile} or tl-gpt2-tiny not found`);

interface Input {
  name: string;
  text?: string | null;
  tokens: number[];
}

(run ? describe : describe.skip)("GPT-2 tokenizer.json", () => {
  let tk: HfTokenizer;
  let inputs: Input[];
  beforeAll(() => {
    tk = tokenizerFromJson(readFileSync(tokenizerFile, "utf8"), { name: "gpt2.json" });
    inputs = gpt2Json("goldens.json").inputs as Input[];
  });

  it("has BOS <|endoftext|> = 50256 and 50,257 ids", () => {
    expect(tk.bosTokenId).toBe(50256);
    expect(tk.vocabSize).toBe(50257);
    expect(tk.decode([50256])).toBe("<|endoftext|>");
  });

  it("gives tl-gpt2-tiny's ids, BOS first, for every text input", () => {
    const texts = inputs.filter((i) => typeof i.text === "string");
    expect(texts.map((i) => i.name)).toEqual(["seed_text", "unicode_text"]);
    for (const input of texts) {
      const tokens = toTokens(tk, input.text!, { nCtx: 128 });
      expect(tokens[0]).toBe(50256);
      expect(tokens, input.name).toEqual(input.tokens);
      expect(toStrTokens(tk, tokens)[0]).toBe("<|endoftext|>");
    }
  });

  it("round-trips the texts (accents, CJK, emoji with a ZWJ, tabs, newlines, runs of spaces)", () => {
    for (const input of inputs.filter((i) => typeof i.text === "string")) {
      expect(tk.decode(tk.encode(input.text!))).toBe(input.text);
      // Without BOS the ids are the golden ones after position 0.
      expect(toTokens(tk, input.text!, { prependBos: false })).toEqual(input.tokens.slice(1));
    }
  });
});
