import type { TokenizerJson } from "./hf-tokenizer.js";

/**
 * A byte-level BPE merge learner (GPT-2's scheme) that writes a Hugging Face `tokenizer.json`. It runs only
 * when the default model is retrained (`scripts/train-tokenizer.mjs`), so it favours being small and
 * deterministic over speed: a few seconds for the ~12 MB training corpus.
 *
 * - Text is split into words by the ByteLevel pre-tokenizer's own regex (the one `@huggingface/tokenizers`
 *   applies when `use_regex` is true), and each word into its UTF-8 bytes shown as GPT-2's byte characters,
 *   so merges never cross a word boundary and every byte sequence stays encodable (the 256 byte tokens are
 *   always in the vocabulary).
 * - Ids: the special tokens first (`<|endoftext|>` = 0, BOS and EOS as in GPT-NeoX), then the 256 bytes in
 *   byte order, then one id per merge in the order learned.
 * - Each merge joins the most frequent adjacent pair (ties: the pair whose two token strings sort first), as
 *   long as it occurs at least `minFrequency` times; occurrences are merged left to right, as BPE encodes.
 * - No normalizer: decode(encode(text)) is the text, byte for byte.
 */
export interface BpeTrainerOptions {
  /** Final vocabulary size, special tokens and the 256 bytes included. */
  vocabSize: number;
  /** Special tokens, given ids 0, 1, ... (default `["<|endoftext|>"]`). */
  specialTokens?: string[];
  /** A pair must occur this often to be merged (default 2). */
  minFrequency?: number;
}

/** The ByteLevel pre-tokenizer's split (GPT-2's pattern). */
export const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's byte → printable character table (`bytes_to_unicode`). */
export function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const out = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + n++);
  return out;
}

/** Learn merges on `texts` and return the tokenizer.json object. */
export function trainByteLevelBpe(texts: Iterable<string>, options: BpeTrainerOptions): TokenizerJson {
  const specials = options.specialTokens ?? ["<|endoftext|>"];
  const minFrequency = options.minFrequency ?? 2;
  const base = specials.length + 256;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < base) {
    throw new RangeError(
      `vocabSize must be an integer ≥ ${base} (the special tokens and the 256 bytes), got ${options.vocabSize}`,
    );
  }
  if (new Set(specials).size !== specials.length)
    throw new RangeError(`specialTokens has duplicates: ${specials.join(" ")}`);
  const byteChars = bytesToUnicode();
  const tokens: string[] = [...specials, ...byteChars]; // id → token string

  // Word counts; each distinct word becomes an array of symbol ids.
  const counts = new Map<string, number>();
  const encoder = new TextEncoder();
  for (const text of texts) {
    for (const m of text.matchAll(BYTE_LEVEL_SPLIT)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of counts) {
    words.push(Array.from(encoder.encode(w), (b) => specials.length + b));
    freq.push(c);
  }

  // Pair statistics: count of each adjacent pair, and which words (may be stale) contain it.
  const key = (a: number, b: number) => a * 1_048_576 + b;
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = key(s[i], s[i + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq[w]);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  const merges: [string, string][] = [];
  while (tokens.length < options.vocabSize) {
    let best = -1;
    let bestCount = minFrequency - 1;
    for (const [k, c] of pairCount) {
      if (c <= 0) {
        pairCount.delete(k);
        continue;
      } // pairs a merge used up (deleting while iterating is safe)
      if (c > bestCount || (c === bestCount && best >= 0 && comparePairs(tokens, k, best) < 0)) {
        best = k;
        bestCount = c;
      }
    }
    if (best < 0) break; // nothing occurs minFrequency times any more
    const a = Math.floor(best / 1_048_576);
    const b = best % 1_048_576;
    const id = tokens.length;
    tokens.push(tokens[a] + tokens[b]);
    merges.push([tokens[a], tokens[b]]);
    for (const w of pairWords.get(best) ?? []) {
      const s = words[w];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++)
        if (s[i] === a && s[i + 1] === b) {
          has = true;
          break;
        }
      if (!has) continue;
      addPairs(w, -1);
      const merged: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(id);
          i++;
        } else merged.push(s[i]);
      }
      words[w] = merged;
      addPairs(w, 1);
    }
    pairWords.delete(best);
  }

  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
      merges: merges.map(([x, y]) => `${x} ${y}`),
    },
  };
}

function comparePairs(tokens: string[], k1: number, k2: number): number {
  const a1 = tokens[Math.floor(k1 / 1_048_576)],
    a2 = tokens[Math.floor(k2 / 1_048_576)];
  if (a1 !== a2) return a1 < a2 ? -1 : 1;
  const b1 = tokens[k1 % 1_048_576],
    b2 = tokens[k2 % 1_048_576];
  return b1 === b2 ? 0 : b1 < b2 ? -1 : 1;
}
