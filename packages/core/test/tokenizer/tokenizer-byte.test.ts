import { describe, expect, it } from "vitest";
import { ByteTokenizer, loadTokenizer, modelTokenizer, toStrTokens, toTokens } from "../../src/tokenizer/index.js";

const tk = new ByteTokenizer();

describe("ByteTokenizer", () => {
  it("has 257 ids with BOS = 256, after the bytes", () => {
    expect(tk.vocabSize).toBe(257);
    expect(tk.bosTokenId).toBe(256);
  });

  it("encodes text as its UTF-8 bytes", () => {
    expect(tk.encode("Hi")).toEqual([0x48, 0x69]);
    expect(tk.encode("é")).toEqual([0xc3, 0xa9]);
    expect(tk.encode("日")).toEqual([0xe6, 0x97, 0xa5]);
    expect(tk.encode("🚀")).toEqual([0xf0, 0x9f, 0x9a, 0x80]);
    expect(toTokens(tk, "a")).toEqual([256, 0x61]);
  });

  it("round-trips unicode text, including a ZWJ sequence, a BOM and control characters", () => {
    for (const s of [
      "Café naïve — 日本語, Ελληνικά! 🚀👩\u200d💻",
      "\uFEFFtab\there\r\nnull\u0000",
      "   spaces  ",
      "",
    ]) {
      expect(tk.decode(tk.encode(s))).toBe(s);
    }
  });

  it("decodes invalid UTF-8 to U+FFFD and BOS to <|BOS|>", () => {
    expect(tk.decode([0xff])).toBe("\uFFFD");
    expect(tk.decode([0x61, 0xc3, 0x62])).toBe("a\uFFFDb");
    expect(tk.decode([256, 0x61, 256, 0x62])).toBe("<|BOS|>a<|BOS|>b");
    // a BOS between the bytes of one character breaks it
    expect(tk.decode([0xc3, 256, 0xa9])).toBe("\uFFFD<|BOS|>\uFFFD");
  });

  it("shows every id visibly", () => {
    expect(tk.idToStr(0x61)).toBe("a");
    expect(tk.idToStr(0x20)).toBe(" ");
    expect(tk.idToStr(0x0a)).toBe("⏎");
    expect(tk.idToStr(0x09)).toBe("⇥");
    expect(tk.idToStr(0x0d)).toBe("␍");
    expect(tk.idToStr(0x00)).toBe("␀");
    expect(tk.idToStr(0x1b)).toBe("␛");
    expect(tk.idToStr(0x7f)).toBe("␡");
    expect(tk.idToStr(0xc3)).toBe("\\xc3");
    expect(tk.idToStr(256)).toBe("<|BOS|>");
    for (let b = 0; b < 257; b++) expect(tk.idToStr(b).length, `id ${b}`).toBeGreaterThan(0);
  });

  it("shows a multi-byte character on the byte that completes it", () => {
    expect(toStrTokens(tk, "é!")).toEqual(["<|BOS|>", "\\xc3", "é", "!"]);
    expect(toStrTokens(tk, "🚀")).toEqual(["<|BOS|>", "\\xf0", "\\x9f", "\\x9a", "🚀"]);
    // a truncated or invalid sequence stays as bytes
    expect(toStrTokens(tk, [0xe6, 0x97, 0x61, 0xff])).toEqual(["\\xe6", "\\x97", "a", "\\xff"]);
    // an overlong encoding of "/" is not a character
    expect(toStrTokens(tk, [0xc0, 0xaf])).toEqual(["\\xc0", "\\xaf"]);
  });

  it("refuses ids that are not non-negative integers, naming the position", () => {
    expect(() => tk.decode([0x61, -1])).toThrow(/position 1 is -1/);
    expect(() => tk.decode([0x61, 2.5])).toThrow(/position 1 is 2\.5/);
  });

  it('is what loadTokenizer("byte") gives', async () => {
    expect(await loadTokenizer("byte")).toBeInstanceOf(ByteTokenizer);
  });
});

describe("modelTokenizer", () => {
  it('gives the byte tokenizer for tokenizer_name "byte" and null when a model names none', () => {
    expect(modelTokenizer({ tokenizer_name: "byte" })).toBeInstanceOf(ByteTokenizer);
    expect(modelTokenizer({ tokenizer_name: "EleutherAI/gpt-neox-20b" })).toBeNull();
    expect(modelTokenizer({})).toBeNull();
  });
});
