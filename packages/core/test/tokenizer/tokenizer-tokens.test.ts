import { describe, expect, it } from "vitest";
import {
  ByteTokenizer,
  toTokens,
  validateTokenBatch,
  validateTokens,
  TokenizerError,
} from "../../src/tokenizer/index.js";

describe("toTokens", () => {
  const tk = new ByteTokenizer();
  it("prepends BOS by default and accepts text of exactly n_ctx tokens", () => {
    expect(toTokens(tk, "ab", { nCtx: 3 })).toEqual([256, 0x61, 0x62]);
    expect(toTokens(tk, "ab", { prependBos: false, nCtx: 2 })).toEqual([0x61, 0x62]);
  });
  it("refuses text longer than n_ctx with the length and n_ctx", () => {
    expect(() => toTokens(tk, "a".repeat(2112), { nCtx: 2048 })).toThrow(
      /^text is 2113 tokens long \(with BOS\), more than n_ctx = 2048: shorten it to at most 2047 tokens/,
    );
  });
  it("checks ids against d_vocab when asked", () => {
    expect(() => toTokens(tk, "a", { dVocab: 256 })).toThrow(
      /token id 256 at position 0 is outside the vocabulary \(d_vocab = 256/,
    );
  });
  it("refuses non-string text", () => {
    expect(() => toTokens(tk, 42 as never)).toThrow(/expects text \(a string\), got 42/);
  });
});

describe("validateTokens", () => {
  it("accepts ids in [0, d_vocab) up to n_ctx of them", () => {
    expect(() => validateTokens([0, 5, 9], 10, 3)).not.toThrow();
    expect(() => validateTokens(Int32Array.from([0, 9]), 10)).not.toThrow();
  });
  it("names the position, the id and the vocabulary size", () => {
    expect(() => validateTokens([0, 12, 50278], 50278)).toThrow(
      "token sequence: token id 50278 at position 2 is outside the vocabulary (d_vocab = 50278, valid ids 0..50277)",
    );
    expect(() => validateTokens([0, -1], 10)).toThrow(/token id -1 at position 1/);
    expect(() => validateTokens([0, 1.5], 10)).toThrow(/token at position 1 is 1\.5, not an integer token id/);
    expect(() => validateTokens([0, NaN], 10)).toThrow(/position 1 is NaN/);
    expect(() => validateTokens([0, "7" as never], 10)).toThrow(/position 1 is "7"/);
  });
  it("refuses empty and too long sequences", () => {
    expect(() => validateTokens([], 10)).toThrow(/empty/);
    expect(() => validateTokens([1, 2, 3], 10, 2)).toThrow("token sequence is 3 tokens long, more than n_ctx = 2");
    expect(() => validateTokens("012" as never, 10)).toThrow(TokenizerError);
  });
  it("names the batch row", () => {
    expect(() =>
      validateTokenBatch(
        [
          [0, 1],
          [0, 11],
        ],
        10,
      ),
    ).toThrow(/^batch row 1: token id 11 at position 1/);
    expect(() => validateTokenBatch([[0, 1], [0]], 10)).toThrow(/row 0 has 2 tokens, row 1 has 1/);
    expect(() => validateTokenBatch([], 10)).toThrow(/empty/);
  });
});
