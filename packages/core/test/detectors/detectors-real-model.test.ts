/**
 * The real ARENA model's attention patterns (../shared/fixtures/attn_only_2L_half, recovered from ARENA's
 * published CircuitsVis pages): the detectors must give ARENA's published head lists.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ActivationCache,
  Tensor,
  currentAttnDetector,
  prevAttnDetector,
  firstAttnDetector,
  inductionAttnDetector,
} from "../../src/index.js";
import { sharedDir } from "../helpers/fixtures.js";

const dir = path.join(sharedDir, "fixtures", "attn_only_2L_half");
const present = existsSync(path.join(dir, "we_think_prompt.attn.json"));

function cacheFromPatterns(file: string): { cache: ActivationCache; json: { seq_len?: number; token_ids: number[] } } {
  const json = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
  const store = new Map<string, Tensor>();
  for (const layer of Object.keys(json.attention)) {
    const heads: number[][][] = json.attention[layer];
    const T = heads[0].length;
    store.set(`blocks.${layer}.attn.hook_pattern`, new Tensor(Float32Array.from(heads.flat(2)), [heads.length, T, T]));
  }
  return { cache: new ActivationCache(store, false), json };
}

(present ? describe : describe.skip)(
  `ARENA's head lists on the real model's patterns${present ? "" : ` (skipped: ${dir} not found)`}`,
  () => {
    it("seed paragraph: current 0.9, previous 0.7, first 0.3 1.4 1.10", () => {
      const { cache, json } = cacheFromPatterns("we_think_prompt.attn.json");
      expect(json.token_ids.length).toBe(62);
      expect(currentAttnDetector(cache).heads).toEqual(["0.9"]);
      expect(prevAttnDetector(cache).heads).toEqual(["0.7"]);
      expect(firstAttnDetector(cache).heads).toEqual(["0.3", "1.4", "1.10"]);
    });

    it("repeated random tokens: induction heads 1.4 and 1.10", () => {
      const { cache, json } = cacheFromPatterns("repeated_tokens_seq50.attn.json");
      const det = inductionAttnDetector(cache, json.seq_len!);
      expect(det.heads).toEqual(["1.4", "1.10"]);
      expect(det.scores).toHaveLength(2);
      expect(det.scores[1]).toHaveLength(12);
    });

    it("a batched cache averages over sequences", () => {
      const { cache } = cacheFromPatterns("we_think_prompt.attn.json");
      const p = cache.get("pattern", 0);
      const doubled = new Float32Array(p.size * 2);
      doubled.set(p.data);
      doubled.set(p.data, p.size);
      const store = new Map<string, Tensor>([["blocks.0.attn.hook_pattern", new Tensor(doubled, [2, ...p.shape])]]);
      const batched = prevAttnDetector(new ActivationCache(store, true));
      expect(batched.scores[0]).toEqual(prevAttnDetector(cache).scores[0]);
    });
  },
);
