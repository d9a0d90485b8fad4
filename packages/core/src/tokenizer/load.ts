import { ByteTokenizer } from "./byte-tokenizer.js";
import { TokenizerError } from "./errors.js";
import { HfTokenizer, type TokenizerConfigJson, type TokenizerJson } from "./hf-tokenizer.js";
import type { Tokenizer } from "./tokenizer.js";
import { isNode, nodeFs, nodePath } from "../io/env.js";
import { isHfSource, parseHfSource } from "../io/hf.js";
import { readTextSource, sourceName, sourceUrl, type ReadSourceOptions, type Source } from "../io/source.js";

export interface TokenizerFromJsonOptions {
  /** `tokenizer_config.json` contents, when there is one (GPT-NeoX needs none). */
  config?: TokenizerConfigJson;
  /** BOS token string (default: the config's `bos_token`, else `<|endoftext|>`, `<s>`, ...). */
  bosToken?: string;
  /** Name of the source, for messages. */
  name?: string;
}

export interface LoadTokenizerOptions extends TokenizerFromJsonOptions, ReadSourceOptions {}

/** A tokenizer or anything `loadTokenizer` can turn into one. */
export type TokenizerSource = Tokenizer | TokenizerJson | Source;

/** Name that selects the byte-level tokenizer (the embedded default model's) instead of a file. */
export const BYTE_TOKENIZER_NAME = "byte";

/** A tokenizer from a parsed `tokenizer.json` (or its text). */
export function tokenizerFromJson(json: TokenizerJson | string, options: TokenizerFromJsonOptions = {}): HfTokenizer {
  const name = options.name ?? "tokenizer.json";
  let parsed: unknown = json;
  if (typeof json === "string") {
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new TokenizerError(`${name} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return new HfTokenizer(parsed as TokenizerJson, { ...options, name });
}

export function isTokenizer(x: unknown): x is Tokenizer {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Tokenizer).encode === "function" &&
    typeof (x as Tokenizer).idToStr === "function" &&
    typeof (x as Tokenizer).bosTokenId === "number"
  );
}

/**
 * A tokenizer from: a Tokenizer (returned as is); "byte" (the byte-level tokenizer); a parsed tokenizer.json;
 * or a tokenizer.json source — a path (Node), a folder holding tokenizer.json (+ tokenizer_config.json), an
 * http(s) URL, `hf:owner/repo/tokenizer.json` (`hf:owner/repo` means its tokenizer.json), or the file's bytes.
 * Downloads report progress and are cached like model files (see `readSource`).
 */
export async function loadTokenizer(source: TokenizerSource, options: LoadTokenizerOptions = {}): Promise<Tokenizer> {
  if (isTokenizer(source)) return source;
  if (source === BYTE_TOKENIZER_NAME) return new ByteTokenizer();
  if (source === "" || source === null || source === undefined) {
    throw new TokenizerError(
      `tokenizer source must be "byte", a tokenizer.json path or URL, or a parsed tokenizer.json; got ${source === "" ? "an empty string" : String(source)}`,
    );
  }
  if (typeof source === "object" && !isBinary(source) && !(source instanceof URL)) {
    return tokenizerFromJson(source as TokenizerJson, options);
  }
  let src = source as Source;
  let config = options.config;
  if (typeof src === "string" && isHfSource(src) && parseHfSource(src).path === "")
    src = `${src.replace(/\/+$/, "")}/tokenizer.json`;
  if (typeof src === "string" && isNode && !sourceUrl(src) && !src.startsWith("file:")) {
    const [fs, path] = await Promise.all([nodeFs(), nodePath()]);
    const stat = await fs.stat(src).catch(() => undefined);
    if (!stat) throw new TokenizerError(`tokenizer file not found: ${src}`);
    if (stat.isDirectory()) {
      const configFile = path.join(src, "tokenizer_config.json");
      if (!config)
        config = await fs.readFile(configFile, "utf8").then(
          (t) => parseJson(t, configFile) as TokenizerConfigJson,
          () => undefined,
        );
      src = path.join(src, "tokenizer.json");
      if (!(await fs.stat(src).catch(() => undefined))) throw new TokenizerError(`tokenizer file not found: ${src}`);
    }
  }
  const name = options.name ?? sourceName(src);
  const text = await readTextSource(src, options);
  return tokenizerFromJson(parseJson(text, name) as TokenizerJson, { ...options, config, name });
}

function isBinary(v: unknown): boolean {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v) || (typeof Blob !== "undefined" && v instanceof Blob);
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The tokenizer that goes with a model's files: its tokenizer.json when it has one, else the byte-level
 * tokenizer when its config says `tokenizer_name: "byte"`, else null (the model then takes token ids only).
 */
export function modelTokenizer(
  config: { tokenizer_name?: unknown },
  tokenizerJson?: unknown,
  name = "tokenizer.json",
): Tokenizer | null {
  if (tokenizerJson !== undefined && tokenizerJson !== null)
    return tokenizerFromJson(tokenizerJson as TokenizerJson, { name });
  if (config.tokenizer_name === BYTE_TOKENIZER_NAME) return new ByteTokenizer();
  return null;
}
