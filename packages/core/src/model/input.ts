import type { HookedTransformerConfig } from "../config.js";
import { validateTokens, validateTokenBatch } from "../tokenizer/tokens.js";

/** What the model accepts as tokens: one sequence or a batch of equal-length sequences. */
export type TokenInput = readonly number[] | Int32Array | readonly (readonly number[] | Int32Array)[];

/**
 * Normalise token input into a batch and check it against the config: integer ids in [0, d_vocab),
 * 1 ≤ length ≤ n_ctx, every sequence the same length. Errors name the batch row and position.
 */
export function toTokenBatch(input: TokenInput, cfg: HookedTransformerConfig): Int32Array[] {
  const isBatch = input.length > 0 && typeof (input as ArrayLike<unknown>)[0] !== "number";
  if (isBatch) {
    const rows = input as readonly ArrayLike<number>[];
    validateTokenBatch(rows as ArrayLike<number>[], cfg.d_vocab, cfg.n_ctx);
    return rows.map((r) => Int32Array.from(r));
  }
  validateTokens(input as ArrayLike<number>, cfg.d_vocab, cfg.n_ctx);
  return [Int32Array.from(input as ArrayLike<number>)];
}
