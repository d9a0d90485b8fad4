/**
 * `readSource`: the bytes of a file, wherever it is. A source is a filesystem path or `file:` URL (Node),
 * bytes (ArrayBuffer, typed array, Blob, File), an http(s) URL, or `hf:owner/repo/path`. Downloads report
 * progress and go through a cache (a folder in Node, the Cache API in browsers); cache hits make no request.
 *
 * A download is cached only after it passed `validate` (the caller parses it as the format it expects), so a
 * short, wrong or HTML body never sticks. A cached copy that fails `validate` is dropped and downloaded again.
 * A cache that cannot be used (a file where its folder should be, no write permission) costs a warning, not the load.
 */
import type { ProgressCallback } from "./progress.js";
import { resolveCache } from "./cache.js";
import type { SourceCache } from "./cache.js";
import { download } from "./download.js";
import type { ExpectedFormat } from "./download.js";
import { isNode, nodeFs } from "./env.js";
import { isHfSource, resolveHfUrl } from "./hf.js";

export type Source = string | URL | ArrayBuffer | ArrayBufferView | Blob;

export interface ReadSourceOptions {
  onProgress?: ProgressCallback;
  /** Download cache: `true` (default) the platform cache, a folder path (Node), a custom cache, or `false`. */
  cache?: boolean | string | SourceCache;
  signal?: AbortSignal;
  /** Hub endpoint for `hf:` sources (default: `HF_ENDPOINT` in Node, else https://huggingface.co). */
  hfEndpoint?: string;
  /** A download that receives no byte for this many milliseconds fails as "stalled". @default 30000 */
  idleTimeoutMs?: number;
  /** Refuse downloads larger than this many bytes. @default no limit */
  maxBytes?: number;
  /** Where warnings go (a cache that cannot be used, a damaged cached copy). @default console.warn */
  onWarning?: (message: string) => void;
}

/** What `readSource` checks a download against before caching it (internal: set by the loaders). */
export interface ReadCheckOptions {
  /** The content type and first bytes must be this format. */
  format?: ExpectedFormat;
  /** Throws when the bytes are not usable (the loaders parse them); runs before anything is cached. */
  validate?: (bytes: Uint8Array) => void;
}

/** A short name for a source, for messages: the path, URL or `hf:` name, or the File's name. */
export function sourceName(source: Source): string {
  if (typeof source === "string") return source;
  if (source instanceof URL) return source.href;
  if (typeof Blob !== "undefined" && source instanceof Blob) return (source as File).name || "blob";
  return "bytes";
}

/** The URL a source downloads from, or undefined when it is not remote. */
export function sourceUrl(source: Source, hfEndpoint?: string): string | undefined {
  const s = source instanceof URL ? source.href : typeof source === "string" ? source : undefined;
  if (s === undefined) return undefined;
  if (isHfSource(s)) return resolveHfUrl(s, hfEndpoint);
  if (/^https?:\/\//i.test(s)) return s;
  return undefined;
}

export async function readSource(source: Source, opts: ReadSourceOptions & ReadCheckOptions = {}): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    const bytes = new Uint8Array(await source.arrayBuffer());
    opts.onProgress?.({ phase: "read", file: sourceName(source), loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  const name = sourceName(source);
  const url = sourceUrl(source, opts.hfEndpoint);
  if (url) {
    const warn = opts.onWarning ?? ((m: string) => console.warn(`attnscope: ${m}`));
    const cache = await resolveCache(opts.cache);
    let hit: Uint8Array | undefined;
    try {
      hit = await cache?.get(url);
    } catch (e) {
      warn(`${(e as Error).message}; loading ${url} without the cache`);
    }
    if (hit) {
      try {
        opts.validate?.(hit);
        await cache!.confirm?.(url).catch(() => {});
        opts.onProgress?.({ phase: "read", file: name, loaded: hit.length, total: hit.length });
        return hit;
      } catch (e) {
        warn(`the cached copy of ${url} is damaged (${(e as Error).message.split("\n")[0]}); downloading it again`);
        await cache!.delete?.(url).catch(() => {});
      }
    }
    const bytes = await download(url, {
      onProgress: opts.onProgress,
      signal: opts.signal,
      file: name,
      idleTimeoutMs: opts.idleTimeoutMs,
      maxBytes: opts.maxBytes,
      expect: opts.format,
    });
    opts.validate?.(bytes); // a body that does not parse is an error, and is never cached
    if (cache) {
      try {
        await cache.put(url, bytes);
      } catch (e) {
        // A cache that cannot be written (a file in its place, read-only disk, quota) must not fail the load.
        warn(`${(e as Error).message}; ${url} was loaded but not cached`);
      }
    }
    return bytes;
  }
  return readLocalFile(name, opts);
}

async function readLocalFile(pathOrFileUrl: string, opts: ReadSourceOptions): Promise<Uint8Array> {
  if (!isNode) {
    throw new Error(
      `${pathOrFileUrl}: local paths can only be read in Node; in a browser pass a URL, a File or the bytes`,
    );
  }
  const fs = await nodeFs();
  const file = pathOrFileUrl.startsWith("file:") ? new URL(pathOrFileUrl) : pathOrFileUrl;
  let b: Buffer;
  try {
    b = await fs.readFile(file, { signal: opts.signal });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${pathOrFileUrl}: no such file`, { cause: e });
    if (code === "EISDIR") throw new Error(`${pathOrFileUrl}: is a folder, not a file`, { cause: e });
    throw new Error(`${pathOrFileUrl}: cannot read (${(e as Error).message})`, { cause: e });
  }
  opts.onProgress?.({ phase: "read", file: pathOrFileUrl, loaded: b.length, total: b.length });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A source as UTF-8 text. */
export async function readTextSource(source: Source, opts: ReadSourceOptions & ReadCheckOptions = {}): Promise<string> {
  let text: string | undefined;
  const decode = (bytes: Uint8Array) => {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new Error(`${sourceName(source)}: is not UTF-8 text`);
    }
    opts.validate?.(bytes);
  };
  const bytes = await readSource(source, { ...opts, validate: decode });
  if (text === undefined) decode(bytes); // bytes and local files skip validation inside readSource
  return text!;
}

/** A source parsed as JSON (config.json, tokenizer.json); a download that is not JSON is never cached. */
export async function readJsonSource(source: Source, opts: ReadSourceOptions = {}): Promise<unknown> {
  let value: unknown;
  let parsed = false;
  const parse = (text: string) => {
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch (e) {
      throw new Error(`${sourceName(source)}: invalid JSON (${(e as Error).message})`, { cause: e });
    }
  };
  const text = await readTextSource(source, {
    ...opts,
    format: "json",
    validate: (b) => parse(new TextDecoder().decode(b)),
  });
  if (!parsed) parse(text);
  return value;
}
