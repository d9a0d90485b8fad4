/**
 * What the model core needs from a tokenizer. Implemented by the GPT-NeoX (Hugging Face tokenizer.json)
 * tokenizer and by the byte-level tokenizer of the embedded default model.
 */
export interface Tokenizer {
  /** Number of ids the tokenizer can produce (may be below the model's d_vocab). */
  readonly vocabSize: number;
  /** Id prepended as BOS (TransformerLens prepends it by default). */
  readonly bosTokenId: number;
  /** Ids of `text`, without BOS. */
  encode(text: string): number[];
  /** Text of a sequence of ids (special tokens included, as TransformerLens's `to_string`). */
  decode(ids: readonly number[]): string;
  /** Display string of one id, as TransformerLens's `to_str_tokens` (a per-id decode). */
  idToStr(id: number): string;
  /**
   * Display strings of a whole sequence, when the tokenizer can show more with context than per id
   * (the byte tokenizer shows a multi-byte character on the byte that completes it). Optional: when
   * absent, callers map `idToStr` over the ids (use the `toStrTokens` helper, which does either).
   */
  strTokens?(ids: readonly number[]): string[];
  /** Short name for messages and model folders ("byte", "gpt-neox-20b", ...). Optional. */
  readonly name?: string;
}
