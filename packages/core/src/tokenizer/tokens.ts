import { TokenizerError } from "./errors.js";
import type { Tokenizer } from "./tokenizer.js";

export interface ToTokensOptions {
  /** Prepend the tokenizer's BOS id (default true, as TransformerLens's `to_tokens`). */
  prependBos?: boolean;
  /** Refuse text longer than this many tokens (BOS included), e.g. the model's n_ctx. */
  nCtx?: number;
  /** Refuse ids ≥ this (the model's d_vocab), when the tokenizer knows more ids than the model. */
  dVocab?: number;
}

/**
 * Token ids of `text` as the model takes them: BOS (unless `prependBos: false`) + `tokenizer.encode(text)`.
 * TransformerLens prepends the BOS *string* and tokenizes, which gives the same ids.
 * @throws TokenizerError when the text is longer than `nCtx` tokens or gives ids outside `dVocab`.
 */
export function toTokens(tokenizer: Tokenizer, text: string, options: ToTokensOptions = {}): number[] {
  if (typeof text !== "string") throw new TokenizerError(`toTokens expects text (a string), got ${describe(text)}`);
  const prependBos = options.prependBos ?? true;
  const ids = tokenizer.encode(text);
  const tokens = prependBos ? [tokenizer.bosTokenId, ...ids] : ids;
  if (options.nCtx !== undefined && tokens.length > options.nCtx) {
    throw new TokenizerError(
      `text is ${tokens.length} tokens long (${prependBos ? "with" : "without"} BOS), more than n_ctx = ${options.nCtx}: ` +
        `shorten it to at most ${options.nCtx - (prependBos ? 1 : 0)} tokens of text (it starts ${JSON.stringify(preview(text))})`,
    );
  }
  if (options.dVocab !== undefined) validateTokens(tokens, options.dVocab);
  return tokens;
}

/**
 * Display strings of a sequence (TransformerLens's `to_str_tokens`): text is tokenized first (with BOS
 * unless `prependBos: false`); ids are used as given.
 */
export function toStrTokens(
  tokenizer: Tokenizer,
  input: string | readonly number[],
  options: ToTokensOptions = {},
): string[] {
  const ids = typeof input === "string" ? toTokens(tokenizer, input, options) : input;
  return tokenizer.strTokens ? tokenizer.strTokens(ids) : ids.map((id) => tokenizer.idToStr(id));
}

/**
 * Check one token sequence against a model: every id an integer in [0, dVocab), at least one token and, when
 * `nCtx` is given, at most nCtx of them. Errors name the position, the id and the vocabulary size.
 * `what` names the sequence in messages (e.g. "batch row 3").
 */
export function validateTokens(ids: ArrayLike<number>, dVocab: number, nCtx?: number, what = "token sequence"): void {
  if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") {
    throw new TokenizerError(`${what} must be an array of token ids, got ${describe(ids)}`);
  }
  if (ids.length === 0) throw new TokenizerError(`${what} is empty: give at least one token (e.g. BOS)`);
  if (nCtx !== undefined && ids.length > nCtx) {
    throw new TokenizerError(`${what} is ${ids.length} tokens long, more than n_ctx = ${nCtx}`);
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== "number" || !Number.isInteger(id)) {
      throw new TokenizerError(`${what}: token at position ${i} is ${describe(id)}, not an integer token id`);
    }
    if (id < 0 || id >= dVocab) {
      throw new TokenizerError(
        `${what}: token id ${id} at position ${i} is outside the vocabulary (d_vocab = ${dVocab}, valid ids 0..${dVocab - 1})`,
      );
    }
  }
}

/** `validateTokens` for a batch: sequences of equal length; errors name the batch row. */
export function validateTokenBatch(batch: readonly ArrayLike<number>[], dVocab: number, nCtx?: number): void {
  if (!Array.isArray(batch) || batch.length === 0)
    throw new TokenizerError("token batch is empty: give at least one sequence");
  batch.forEach((row, b) => {
    validateTokens(row, dVocab, nCtx, `batch row ${b}`);
    if (row.length !== batch[0].length) {
      throw new TokenizerError(
        `batch rows must have equal lengths: row 0 has ${batch[0].length} tokens, row ${b} has ${row.length}`,
      );
    }
  });
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return String(v);
}
