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
}
