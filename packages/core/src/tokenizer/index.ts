// Tokenizers: one interface, a tokenizer.json implementation and a byte-level one, plus the token helpers.
export type { Tokenizer } from "./tokenizer.js";
export { TokenizerError } from "./errors.js";
export { HfTokenizer } from "./hf-tokenizer.js";
export type { HfTokenizerOptions, TokenizerJson, TokenizerConfigJson } from "./hf-tokenizer.js";
export { ByteTokenizer } from "./byte-tokenizer.js";
export { toTokens, toStrTokens, validateTokens, validateTokenBatch } from "./tokens.js";
export type { ToTokensOptions } from "./tokens.js";
export { tokenizerFromJson, loadTokenizer, modelTokenizer, isTokenizer, BYTE_TOKENIZER_NAME } from "./load.js";
export type { TokenizerSource, TokenizerFromJsonOptions, LoadTokenizerOptions } from "./load.js";
export { toSingleToken, getTokenPosition } from "./single-token.js";
export type { TokenPositionOptions } from "./single-token.js";
export { trainByteLevelBpe, bytesToUnicode, BYTE_LEVEL_SPLIT } from "./bpe-trainer.js";
export type { BpeTrainerOptions } from "./bpe-trainer.js";
