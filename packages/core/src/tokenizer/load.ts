import { ByteTokenizer } from "./byte-tokenizer.js";
import { TokenizerError } from "./errors.js";
import { HfTokenizer, type TokenizerConfigJson, type TokenizerJson } from "./hf-tokenizer.js";
import type { Tokenizer } from "./tokenizer.js";
import type { ProgressCallback } from "../weights/state-dict.js";

export interface TokenizerFromJsonOptions {
  /** `tokenizer_config.json` contents, when there is one (GPT-NeoX needs none). */
  config?: TokenizerConfigJson;
  /** BOS token string (default: the config's `bos_token`, else `<|endoftext|>`, `<s>`, ...). */
  bosToken?: string;
  /** Name of the source, for messages. */
  name?: string;
}

export interface LoadTokenizerOptions extends TokenizerFromJsonOptions {
  onProgress?: ProgressCallback;
}

/** A tokenizer or anything `loadTokenizer` can turn into one. */
export type TokenizerSource = Tokenizer | TokenizerJson | string;

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
    typeof x === "object" && x !== null &&
    typeof (x as Tokenizer).encode === "function" && typeof (x as Tokenizer).idToStr === "function" &&
    typeof (x as Tokenizer).bosTokenId === "number"
  );
}

/**
 * A tokenizer from: a Tokenizer (returned as is); "byte" (the byte-level tokenizer); a parsed tokenizer.json;
 * or a path to a tokenizer.json file or to a folder holding one (next to an optional tokenizer_config.json).
 */
export async function loadTokenizer(source: TokenizerSource, options: LoadTokenizerOptions = {}): Promise<Tokenizer> {
  if (isTokenizer(source)) return source;
  if (source === BYTE_TOKENIZER_NAME) return new ByteTokenizer();
  if (typeof source === "object" && source !== null) return tokenizerFromJson(source as TokenizerJson, options);
  if (typeof source !== "string" || source === "") {
    throw new TokenizerError(`tokenizer source must be "byte", a tokenizer.json path or URL, or a parsed tokenizer.json; got ${source === "" ? "an empty string" : typeof source}`);
  }
  if (/^(https?:|hf:)/.test(source)) {
    throw new TokenizerError(`cannot load ${source}: loading tokenizers from URLs is not available in this build; download tokenizer.json and pass its path`);
  }
  return loadTokenizerFile(source, options);
}

async function loadTokenizerFile(file: string, options: LoadTokenizerOptions): Promise<Tokenizer> {
  // Imported only here so the module stays usable in browsers and workers.
  const fsName = "node:fs/promises";
  const pathName = "node:path";
  let fs: typeof import("node:fs/promises");
  let path: typeof import("node:path");
  try {
    fs = await import(/* @vite-ignore */ fsName);
    path = await import(/* @vite-ignore */ pathName);
  } catch {
    throw new TokenizerError(`cannot read ${file}: file paths work only in Node; pass a URL or a parsed tokenizer.json`);
  }
  let target = file;
  let config = options.config;
  const stat = await fs.stat(file).catch(() => {
    throw new TokenizerError(`tokenizer file not found: ${file}`);
  });
  if (stat.isDirectory()) {
    target = path.join(file, "tokenizer.json");
    const configFile = path.join(file, "tokenizer_config.json");
    if (!config) config = await fs.readFile(configFile, "utf8").then((t) => parseJson(t, configFile) as TokenizerConfigJson, () => undefined);
  }
  const text = await fs.readFile(target, "utf8").catch(() => {
    throw new TokenizerError(`tokenizer file not found: ${target}`);
  });
  options.onProgress?.({ phase: "read", file: target, loaded: text.length, total: text.length });
  return tokenizerFromJson(parseJson(text, target) as TokenizerJson, { ...options, config, name: options.name ?? target });
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}
