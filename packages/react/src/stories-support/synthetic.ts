/**
 * Deterministic synthetic attention with the head types of a small attention-only model:
 * previous-token, first-token (BOS), current-token, induction and diffuse heads.
 */

/** Small seeded PRNG (mulberry32) so stories look the same every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type HeadKind = "previous" | "first" | "current" | "induction" | "diffuse";

const WORDS = [
  " the",
  " cat",
  " sat",
  " on",
  " mat",
  " and",
  " a",
  " dog",
  " ran",
  " to",
  " park",
  ",",
  ".",
  " it",
  " was",
  " very",
  " happy",
  " model",
  " attention",
  " head",
  " token",
  " layer",
  " circuit",
  " induction",
  " pattern",
  "ing",
  "ed",
];

const SYLLABLES = [
  "ka",
  "ro",
  "mi",
  "te",
  "su",
  "na",
  "lo",
  "vi",
  "de",
  "po",
  "ra",
  "ne",
  "shi",
  "to",
  "ba",
  "gu",
  "le",
  "mo",
  "za",
  "fi",
];

/**
 * BOS followed by `n` pseudo-words that are almost all distinct (20⁴ four-syllable words), then
 * the same again: a random repeated sequence like ARENA's, where induction heads draw a stripe.
 */
export function repeatedRandomTokens(n: number, seed = 1): string[] {
  const r = rng(seed);
  const word = () => " " + Array.from({ length: 4 }, () => SYLLABLES[Math.floor(r() * SYLLABLES.length)]).join("");
  const body = Array.from({ length: n }, word);
  return ["<|endoftext|>", ...body, ...body];
}

/** BOS followed by `n` pseudo-random word tokens, optionally repeated once (for induction). */
export function syntheticTokens(n: number, seed = 1, repeat = false): string[] {
  const r = rng(seed);
  const body = Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]!);
  return ["<|endoftext|>", ...body, ...(repeat ? body : [])];
}

/**
 * Causal attention of the given head kinds over `tokens`, as a flat Float32Array [head][q][k].
 * Each row is a softmax-like distribution: a sharp target, some weight on BOS and a few noisy
 * keys (or, for "diffuse" heads, noise everywhere), summing to 1. Work is O(T) per row so a
 * 2,048-token × 12-head tensor takes well under a second.
 */
export function syntheticAttention(tokens: readonly string[], kinds: readonly HeadKind[], seed = 7): Float32Array {
  const T = tokens.length;
  const out = new Float32Array(kinds.length * T * T);
  const r = rng(seed);
  // Repeated sequences: position of the previous occurrence of the same token.
  const lastSeen = new Map<string, number>();
  const prevOcc = new Int32Array(T).fill(-1);
  tokens.forEach((t, i) => {
    prevOcc[i] = lastSeen.get(t) ?? -1;
    lastSeen.set(t, i);
  });
  kinds.forEach((kind, h) => {
    for (let q = 0; q < T; q++) {
      const row = (h * T + q) * T;
      if (kind === "diffuse") {
        let sum = 0;
        let x = (q * 2654435761 + h * 97 + seed) >>> 0;
        for (let k = 0; k <= q; k++) {
          x = (Math.imul(x ^ (x >>> 13), 0x5bd1e995) + k) >>> 0;
          const v = 0.5 + (x & 1023) / 1024 + (k === 0 ? 2 : 0);
          out[row + k] = v;
          sum += v;
        }
        for (let k = 0; k <= q; k++) out[row + k]! /= sum;
        continue;
      }
      let target = 0;
      if (kind === "previous") target = Math.max(0, q - 1);
      else if (kind === "current") target = q;
      else if (kind === "induction") target = prevOcc[q]! >= 0 ? prevOcc[q]! + 1 : 0;
      out[row]! += 0.3 + 0.2 * r();
      out[row + target]! += 4 + r();
      for (let n = 0; n < 4; n++) out[row + Math.floor(r() * (q + 1))]! += 0.3 * r() ** 2;
      let sum = 0;
      for (let k = 0; k <= q; k++) sum += out[row + k]!;
      for (let k = 0; k <= q; k++) out[row + k]! /= sum;
    }
  });
  return out;
}

/** Nested [head][q][k] copy of a flat tensor, for stories that show the array input form. */
export function toNested(flat: Float32Array, heads: number, q: number, k: number): number[][][] {
  return Array.from({ length: heads }, (_, h) =>
    Array.from({ length: q }, (_, i) => Array.from(flat.subarray((h * q + i) * k, (h * q + i + 1) * k))),
  );
}
