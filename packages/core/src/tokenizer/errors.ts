/** A tokenizer file that cannot be used, or ids/text a tokenizer or model cannot take. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenizerError";
  }
}
