import { Tokenizer as HfLibTokenizer } from "@huggingface/tokenizers";
import { TokenizerError } from "./errors.js";
import type { Tokenizer } from "./tokenizer.js";

/** A parsed `tokenizer.json` (Hugging Face `tokenizers` format); only the fields read here are typed. */
export interface TokenizerJson {
  model: { type?: string; vocab?: Record<string, number> | [string, number][] } & Record<string, unknown>;
  added_tokens?: { id: number; content: string; special?: boolean }[];
  [key: string]: unknown;
}

/** A parsed `tokenizer_config.json`; only `bos_token` is read here, the rest goes to the library. */
export type TokenizerConfigJson = Record<string, unknown>;

export interface HfTokenizerOptions {
  /** `tokenizer_config.json` contents, when the model has one. */
  config?: TokenizerConfigJson;
  /** BOS token string; defaults to the config's `bos_token`, else the first of the usual names present. */
  bosToken?: string;
  /** Name used in messages. */
  name?: string;
}

// Tried in order when neither the options nor tokenizer_config name a BOS token.
const USUAL_BOS_TOKENS = ["<|endoftext|>", "<s>", "<|begin_of_text|>", "<bos>", "[CLS]"];

/**
 * A tokenizer.json tokenizer (byte-level BPE such as GPT-NeoX-20B's, and the other models the
 * `@huggingface/tokenizers` library supports), with TransformerLens's conventions: `encode` adds no
 * special tokens, `decode` keeps special tokens and does not "clean up" spaces (TransformerLens's
 * `to_string`), and `idToStr` decodes one id alone (`to_str_tokens`), so a multi-byte character split
 * over several tokens shows U+FFFD pieces.
 */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number;
  readonly name: string;
  private readonly lib: HfLibTokenizer;
  private readonly strCache = new Map<number, string>();

  constructor(json: TokenizerJson, options: HfTokenizerOptions = {}) {
    this.name = options.name ?? "tokenizer.json";
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new TokenizerError(
        `${this.name}: expected a tokenizer.json object, got ${json === null ? "null" : Array.isArray(json) ? "an array" : typeof json}`,
      );
    }
    if (!json.model || typeof json.model !== "object") {
      throw new TokenizerError(
        `${this.name}: not a tokenizer.json (no "model" object; keys: ${Object.keys(json).slice(0, 8).join(", ") || "none"})`,
      );
    }
    const config = options.config ?? {};
    try {
      this.lib = new HfLibTokenizer(json, config);
    } catch (e) {
      throw new TokenizerError(`${this.name}: cannot build the tokenizer: ${(e as Error).message}`);
    }
    this.vocabSize = countIds(json);
    const bos =
      options.bosToken ??
      tokenContent(config.bos_token) ??
      USUAL_BOS_TOKENS.find((t) => this.lib.token_to_id(t) !== undefined);
    const bosId = bos === undefined ? undefined : this.lib.token_to_id(bos);
    if (bosId === undefined) {
      throw new TokenizerError(
        bos === undefined
          ? `${this.name}: no BOS token found (none of ${USUAL_BOS_TOKENS.join(" ")}); pass the bosToken option`
          : `${this.name}: BOS token ${JSON.stringify(bos)} is not in the vocabulary`,
      );
    }
    this.bosTokenId = bosId;
  }

  encode(text: string): number[] {
    if (typeof text !== "string") throw new TokenizerError(`encode expects a string, got ${typeof text}`);
    if (text === "") return [];
    return this.lib.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    checkIds(ids);
    if (ids.length === 0) return "";
    return this.lib.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** Per-id decode. Ids the tokenizer does not know (e.g. a model's spare rows above vocabSize) give "", as in TransformerLens. */
  idToStr(id: number): string {
    let s = this.strCache.get(id);
    if (s === undefined) {
      s = this.decode([id]);
      this.strCache.set(id, s);
    }
    return s;
  }

  /** The token string of the vocabulary (e.g. "Ġthink"), or undefined. */
  idToToken(id: number): string | undefined {
    return this.lib.id_to_token(id);
  }

  tokenToId(token: string): number | undefined {
    return this.lib.token_to_id(token);
  }
}

function tokenContent(t: unknown): string | undefined {
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { content?: unknown }).content === "string")
    return (t as { content: string }).content;
  return undefined;
}

/** 1 + the largest id of the model vocabulary and the added tokens. */
function countIds(json: TokenizerJson): number {
  let max = -1;
  const vocab = json.model.vocab;
  if (Array.isArray(vocab))
    max = vocab.length - 1; // Unigram: [token, score] pairs, id = index
  else if (vocab && typeof vocab === "object") for (const id of Object.values(vocab)) if (id > max) max = id;
  for (const t of json.added_tokens ?? []) if (t.id > max) max = t.id;
  return max + 1;
}

function checkIds(ids: readonly number[]): void {
  if (!Array.isArray(ids) && !ArrayBuffer.isView(ids))
    throw new TokenizerError(`decode expects an array of ids, got ${typeof ids}`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0)
      throw new TokenizerError(`token at position ${i} is ${id}, not a token id (a non-negative integer)`);
  }
}
