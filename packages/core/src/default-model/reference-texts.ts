/**
 * The texts the default model is measured on (its tests, its README's figures, the demo's examples), in one place.
 */
import type { Tensor } from "../tensor.js";

/** ARENA's prompt in "Finding induction heads" (the seed paragraph). */
export const SEED_TEXT =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this " +
  "century. If current machine learning techniques were scaled up to this level, we think they would by default " +
  "produce systems that are deceptive or manipulative, and that no solid plans are known for how to avoid this.";

/**
 * A paragraph from outside the training corpus: the opening of Jane Austen's *Pride and Prejudice* (1813,
 * public domain). Repeated twice after BOS it tests induction on text the model never saw.
 */
export const HELD_OUT_TEXT =
  "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of " +
  "a wife. However little known the feelings or views of such a man may be on his first entering a neighbourhood, " +
  "this truth is so well fixed in the minds of the surrounding families, that he is considered the rightful " +
  "property of some one or other of their daughters.";

/** Induction on words: the third " committee" should attend to what followed an earlier one. */
export const COMMITTEE_TEXT =
  "The committee met on Tuesday. The committee met again on Thursday, and the committee agreed to meet every week.";

/**
 * Where an induction head at `query` looks: every position just after an earlier occurrence of the query's
 * token (excluding the query itself and the position right after the occurrence that is the query's neighbour).
 */
export function inductionTargets(tokens: readonly number[], query: number): number[] {
  const out: number[] = [];
  for (let j = 0; j + 1 < query; j++) if (tokens[j] === tokens[query]) out.push(j + 1);
  return out;
}

/** Attention weight of each head of a layer's pattern [batch 1, head, query, key] from `query` to `key`. */
export function headWeights(pattern: Tensor, query: number, key: number): number[] {
  const [, H, T, K] = pattern.shape;
  if (query >= T || key >= K) throw new RangeError(`position ${query} → ${key} is outside a [${T}, ${K}] pattern`);
  return Array.from({ length: H }, (_, h) => pattern.data[(h * T + query) * K + key]);
}
