import { describe, expect, it } from "vitest";
import { globsToMatcher, parseInteger, parseNumber, parseTokenBatch, parseTokenList } from "../src/parse.js";

describe("parseTokenList", () => {
  it("reads comma-, space- and bracket-separated ids", () => {
    expect(parseTokenList("0,12,7")).toEqual([0, 12, 7]);
    expect(parseTokenList(" 0, 12 ,7 ")).toEqual([0, 12, 7]);
    expect(parseTokenList("[0, 12, 7]")).toEqual([0, 12, 7]);
    expect(parseTokenList("0 12 7")).toEqual([0, 12, 7]);
  });
  it("names the bad entry and its position", () => {
    expect(() => parseTokenList("0,abc,3")).toThrow(
      '--tokens: "abc" at position 1 is not a token id (a non-negative integer)',
    );
    expect(() => parseTokenList("0,-1")).toThrow(/"-1" at position 1/);
    expect(() => parseTokenList("0,1.5")).toThrow(/"1\.5" at position 1/);
    expect(() => parseTokenList("")).toThrow(/--tokens is empty/);
  });
  it("reads batches separated by ';'", () => {
    expect(parseTokenBatch("0,1,1;0,2,2")).toEqual([
      [0, 1, 1],
      [0, 2, 2],
    ]);
    expect(() => parseTokenBatch("0,1,1;0,x,2")).toThrow(/"x" at position 1 .*\(sequence 1\)/);
  });
});

describe("numbers", () => {
  it("parses and refuses", () => {
    expect(parseNumber("0.25", "--threshold")).toBe(0.25);
    expect(() => parseNumber("high", "--threshold")).toThrow('--threshold must be a number, got "high"');
    expect(parseInteger("50", "--seq-len", 1)).toBe(50);
    expect(() => parseInteger("0", "--seq-len", 1)).toThrow('--seq-len must be an integer ≥ 1, got "0"');
    expect(() => parseInteger("2.5", "--batch", 1)).toThrow(/--batch must be an integer/);
  });
});

describe("globsToMatcher", () => {
  it("matches TransformerLens hook names with * and ?", () => {
    const m = globsToMatcher("blocks.*.attn.hook_pattern, hook_embed");
    expect(m.matches("blocks.0.attn.hook_pattern")).toBe(true);
    expect(m.matches("blocks.11.attn.hook_pattern")).toBe(true);
    expect(m.matches("hook_embed")).toBe(true);
    expect(m.matches("hook_pos_embed")).toBe(false);
    expect(m.matches("blocks.0.attn.hook_patternX")).toBe(false);
    expect(m.matches("blocksX0.attn.hook_pattern")).toBe(false); // "." is literal
    expect(globsToMatcher("blocks.?.hook_resid_post").matches("blocks.1.hook_resid_post")).toBe(true);
    expect(m.unmatched(["hook_embed"])).toEqual(["blocks.*.attn.hook_pattern"]);
    expect(() => globsToMatcher(" , ")).toThrow(/--names is empty/);
  });
});
