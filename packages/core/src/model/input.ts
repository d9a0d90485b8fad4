import type { HookedTransformerConfig } from "../config.js";

/** What the model accepts as tokens: one sequence or a batch of equal-length sequences. */
export type TokenInput = readonly number[] | Int32Array | readonly (readonly number[] | Int32Array)[];

/**
 * Normalise token input into a batch and check it against the config: integer ids in [0, d_vocab),
 * 1 ≤ length ≤ n_ctx, every sequence the same length. Errors name the batch row and position.
 */
export function toTokenBatch(input: TokenInput, cfg: HookedTransformerConfig): Int32Array[] {
  const isBatch = input.length > 0 && typeof (input as ArrayLike<unknown>)[0] !== "number";
  const rows = (isBatch ? (input as readonly ArrayLike<number>[]) : [input as ArrayLike<number>]).map((r) => Int32Array.from(r as ArrayLike<number>));
  if (rows.length === 0) throw new Error("Empty batch: give at least one token sequence");
  const T = rows[0].length;
  const where = (b: number) => (isBatch ? `batch row ${b}, ` : "");
  rows.forEach((row, b) => {
    const src = (isBatch ? (input as readonly ArrayLike<number>[])[b] : input) as ArrayLike<number>;
    if (src.length === 0) throw new Error(`${isBatch ? `Batch row ${b}` : "Token sequence"} is empty: give at least one token (e.g. BOS)`);
    if (src.length !== T) throw new Error(`Batch rows must have equal lengths: row 0 has ${T} tokens, row ${b} has ${src.length}`);
    if (src.length > cfg.n_ctx) {
      throw new Error(`${isBatch ? `Batch row ${b} is` : "Input is"} ${src.length} tokens long, more than the model's n_ctx = ${cfg.n_ctx}`);
    }
    for (let i = 0; i < src.length; i++) {
      const id = src[i];
      if (!Number.isInteger(id) || id < 0 || id >= cfg.d_vocab) {
        throw new Error(`Token id ${id} at ${where(b)}position ${i} is outside the vocabulary [0, ${cfg.d_vocab})`);
      }
    }
  });
  return rows;
}
