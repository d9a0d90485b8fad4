import { TokenizerError } from "./errors.js";
import type { Tokenizer } from "./tokenizer.js";

export interface TokenPositionOptions {
  /** "first" (default) or "last" occurrence. */
  mode?: "first" | "last";
  /** When the input is text: prepend BOS before looking (default: the model's default_prepend_bos). */
  prependBos?: boolean;
}

/** The id of a string that tokenizes (without BOS) to exactly one token (TransformerLens `to_single_token`). */
export function toSingleToken(tokenizer: Tokenizer, text: string, dVocab?: number): number {
  if (typeof text !== "string") throw new TokenizerError(`toSingleToken expects a string, got ${typeof text}`);
  const ids = tokenizer.encode(text);
  if (ids.length !== 1) {
    throw new TokenizerError(
      `${JSON.stringify(text)} is not a single token: it tokenizes to ${ids.length} tokens [${ids.join(", ")}]`,
    );
  }
  if (dVocab !== undefined && ids[0] >= dVocab) {
    throw new TokenizerError(
      `${JSON.stringify(text)} is token ${ids[0]}, outside the model's vocabulary (d_vocab = ${dVocab})`,
    );
  }
  return ids[0];
}

/** Position of `id` in `ids`: its first or last occurrence (TransformerLens `get_token_position`). */
export function getTokenPosition(id: number, ids: ArrayLike<number>, mode: "first" | "last" = "first"): number {
  if (mode !== "first" && mode !== "last")
    throw new TokenizerError(`mode must be "first" or "last", got ${JSON.stringify(mode)}`);
  const list = Array.from(ids);
  const pos = mode === "first" ? list.indexOf(id) : list.lastIndexOf(id);
  if (pos < 0) throw new TokenizerError(`token ${id} does not occur in the input (${list.length} tokens)`);
  return pos;
}
