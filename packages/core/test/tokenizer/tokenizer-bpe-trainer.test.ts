/**
 * The byte-level BPE merge learner: merges worked out by hand on small texts, GPT-2's byte table, and that
 * @huggingface/tokenizers loads what it writes and round-trips any text through it, BOS <|endoftext|> = 0.
 */
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/util/random.js";
import { bytesToUnicode, tokenizerFromJson, trainByteLevelBpe } from "../../src/tokenizer/index.js";

const merges = (j: ReturnType<typeof trainByteLevelBpe>) => j.model.merges as string[];

describe("trainByteLevelBpe", () => {
  it("uses GPT-2's byte characters: printable ASCII as itself, space Ġ, newline Ċ, 256 distinct", () => {
    const t = bytesToUnicode();
    expect(new Set(t).size).toBe(256);
    expect(t[0x41]).toBe("A");
    expect(t[0x20]).toBe("Ġ"); // U+0120
    expect(t[0x0a]).toBe("Ċ"); // U+010A
    expect(t[0x00]).toBe("Ā"); // U+0100
    expect(t[0xad]).toBe("Ń"); // the soft hyphen: after the 33 bytes 0x00-0x20 and the 34 bytes 0x7f-0xa0, so U+0143
  });

  it("merges the most frequent pair first and stops below minFrequency", () => {
    // words: "ab" ×1, " ab" ×2, " abc" ×1 → (a,b) 4, (Ġ,a) 3 → merge "a b"; then (Ġ,ab) 3 → "Ġ ab"; (Ġab,c) 1 stops.
    const json = trainByteLevelBpe(["ab ab ab abc"], { vocabSize: 300 });
    expect(merges(json)).toEqual(["a b", "Ġ ab"]);
    const vocab = json.model.vocab as Record<string, number>;
    expect(vocab).toMatchObject({ "<|endoftext|>": 0, A: 1 + 0x41, Ġ: 1 + 0x20, ab: 257, Ġab: 258 });
    expect(Object.keys(vocab)).toHaveLength(259);
    const tk = tokenizerFromJson(json);
    expect(tk.encode("ab abc")).toEqual([257, 258, 1 + 0x63]);
    expect(tk.vocabSize).toBe(259);
  });

  it("breaks ties by the token strings and merges occurrences left to right", () => {
    // "aaa": (a,a) occurs twice in one word but merges once (left to right) → [aa, a]; then (aa,a).
    const json = trainByteLevelBpe(["aaa aaa", "xy"], { vocabSize: 300, minFrequency: 1 });
    // counts: "aaa" 1, " aaa" 1, "xy" 1 → (a,a) 4 first; then (aa,a) 2; then (Ġ,aaa) 1, (x,y) 1 tie → "x" < "Ġ".
    expect(merges(json)).toEqual(["a a", "aa a", "x y", "Ġ aaa"]);
  });

  it("stops at vocabSize and never merges across words", () => {
    const json = trainByteLevelBpe(["the cat the hat the mat"], { vocabSize: 260 });
    expect(Object.keys(json.model.vocab as object)).toHaveLength(260);
    expect(merges(json).every((m) => !/[a-z]Ġ/.test(m.replace(" ", "")))).toBe(true);
  });

  it("gives the special tokens the first ids and makes <|endoftext|> the BOS", () => {
    const tk = tokenizerFromJson(
      trainByteLevelBpe(["hello world"], { vocabSize: 270, specialTokens: ["<|endoftext|>", "<|pad|>"] }),
    );
    expect(tk.bosTokenId).toBe(0);
    expect(tk.idToStr(0)).toBe("<|endoftext|>");
    expect(tk.idToStr(1)).toBe("<|pad|>");
    expect(tk.encode("a<|endoftext|>b")).toEqual([2 + 0x61, 0, 2 + 0x62]);
  });

  it("rejects a vocabulary too small for the bytes and duplicate special tokens", () => {
    expect(() => trainByteLevelBpe(["x"], { vocabSize: 256 })).toThrow(/vocabSize must be an integer ≥ 257/);
    expect(() => trainByteLevelBpe(["x"], { vocabSize: 300, specialTokens: ["<s>", "<s>"] })).toThrow(/duplicates/);
  });

  it("round-trips any text, control characters, combining marks and astral characters included", () => {
    const corpus =
      "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ".repeat(
        20,
      );
    const tk = tokenizerFromJson(trainByteLevelBpe([corpus], { vocabSize: 400 }));
    const fixed = [
      "",
      " ",
      "  leading and trailing  ",
      "\u0000\u0001\u0007\b\t\n\u000b\f\r\u001b\u007f",
      "e\u0301 (not NFC) é ﬁ",
      "日本語のテキスト",
      "😀👩‍👩‍👧 🇫🇷",
      "\uFEFFbyte order mark",
      "<|endoftext|> inside",
      "it's they'll we'd 12345 ...!?",
    ];
    for (const t of fixed) expect(tk.decode(tk.encode(t)), JSON.stringify(t)).toBe(t);
    // Random strings of Unicode scalar values (no lone surrogates, which have no UTF-8 form).
    const rng = new SeededRandom(7);
    for (let n = 0; n < 200; n++) {
      let t = "";
      const len = rng.int(1, 40);
      for (let i = 0; i < len; i++) {
        const range = rng.int(0, 4);
        let cp =
          range === 0
            ? rng.int(0, 0x80)
            : range === 1
              ? rng.int(0x80, 0x800)
              : range === 2
                ? rng.int(0x800, 0x10000)
                : rng.int(0x10000, 0x110000);
        if (cp >= 0xd800 && cp < 0xe000) cp = 0x20;
        t += String.fromCodePoint(cp);
      }
      expect(tk.decode(tk.encode(t)), JSON.stringify(t)).toBe(t);
    }
  });

  it("encodes every byte value with a token of its own", () => {
    const tk = tokenizerFromJson(trainByteLevelBpe(["abc"], { vocabSize: 257 }));
    for (let b = 0; b < 0x80; b++) expect(tk.encode(String.fromCharCode(b))).toEqual([1 + b]);
    expect(tk.encode("é")).toEqual([1 + 0xc3, 1 + 0xa9]); // UTF-8 c3 a9
  });
});
