import { toStrTokens, toTokens, validateTokens, type HookedTransformer } from "@attnscope/core";
import { CliError } from "./context.js";
import { parseTokenList } from "./parse.js";

/** ARENA's "Finding induction heads" prompt: what `detect` and `cache` run on when given no input. */
export const SEED_TEXT =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this " +
  "century. If current machine learning techniques were scaled up to this level, we think they would by default produce " +
  "systems that are deceptive or manipulative, and that no solid plans are known for how to avoid this.";

export interface InputOptions {
  text?: string;
  tokens?: string;
}

/** `--tokens` as given (checked against the model), or `--text` (default: the seed paragraph) with BOS prepended. */
export function inputTokens(model: HookedTransformer, opts: InputOptions): number[] {
  const { d_vocab, n_ctx } = model.cfg;
  if (opts.text !== undefined && opts.tokens !== undefined)
    throw new CliError("give either --text or --tokens, not both");
  if (opts.tokens !== undefined) {
    const ids = parseTokenList(opts.tokens);
    validateTokens(ids, d_vocab, n_ctx, "--tokens");
    return ids;
  }
  if (!model.tokenizer) {
    throw new CliError("this model has no tokenizer: pass --tokenizer FILE (a tokenizer.json) or give --tokens");
  }
  return toTokens(model.tokenizer, opts.text ?? SEED_TEXT, { prependBos: true, nCtx: n_ctx, dVocab: d_vocab });
}

/** Display strings of the ids (per-id decodes as TransformerLens's to_str_tokens), or the ids when there is no tokenizer. */
export function strTokens(model: HookedTransformer, ids: readonly number[]): string[] {
  return model.tokenizer ? toStrTokens(model.tokenizer, ids) : ids.map(String);
}
