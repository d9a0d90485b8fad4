/**
 * HTTP(S) download into memory with progress events, checked against the status, content-length, an idle
 * timeout, an optional size limit and the format the caller expects. The whole body is held in one buffer
 * sized from content-length (no concatenation copy), and nothing is returned (so nothing is cached) unless
 * every byte arrived and the bytes look like what was asked for: an HTML login wall or captive portal served
 * with status 200 is an error, not a weight file.
 */
import { describeContent, detectFormat } from "../weights/load.js";
import type { ProgressCallback } from "./progress.js";

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "DownloadError";
  }
}

/** What a download must be: a weight file (.pth or safetensors) or JSON (config.json, tokenizer.json). */
export type ExpectedFormat = "weights" | "json";

/** No byte for this long aborts a download ("stalled"). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export interface DownloadOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Name reported in progress events (default: the URL). */
  file?: string;
  /** Abort when no byte arrives for this many milliseconds, waiting for the headers included. @default 30000 */
  idleTimeoutMs?: number;
  /** Refuse a body larger than this many bytes (checked against content-length first). @default no limit */
  maxBytes?: number;
  /** Check the content type and first bytes against this format. */
  expect?: ExpectedFormat;
}

function causeOf(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (cause && (cause.code || cause.message)) return [cause.code, cause.message].filter(Boolean).join(": ");
  return err.message ?? String(e);
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** Why a response cannot be `expect`, from its content type alone (before reading the body), or null. */
function wrongContentType(contentType: string | null, expect: ExpectedFormat | undefined): string | null {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (/^(text\/html|application\/xhtml)/.test(type)) return `an HTML page (content-type ${type})`;
  if (expect === "weights" && /json$/.test(type)) return `JSON (content-type ${type})`;
  return null;
}

/** Why the body cannot be `expect`, from its first bytes, or null. */
function wrongContent(bytes: Uint8Array, expect: ExpectedFormat | undefined): string | null {
  if (expect === "weights") {
    const f = detectFormat(bytes);
    return f === "unknown" ? `not a PyTorch checkpoint or safetensors file${describeContent(bytes)}` : null;
  }
  if (expect === "json") {
    let i = 0;
    while (
      i < bytes.length &&
      (bytes[i] === 0x20 ||
        bytes[i] === 0x0a ||
        bytes[i] === 0x0d ||
        bytes[i] === 0x09 ||
        bytes[i] === 0xef ||
        bytes[i] === 0xbb ||
        bytes[i] === 0xbf)
    )
      i++;
    if (bytes[i] === 0x3c) return "an HTML or XML page, not JSON";
    if (bytes[i] !== 0x7b && bytes[i] !== 0x5b) return `not JSON${describeContent(bytes)}`;
  }
  return null;
}

export async function download(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  const file = opts.file ?? url;
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!(idleMs > 0)) throw new RangeError(`idleTimeoutMs must be a positive number of milliseconds, got ${idleMs}`);
  const max = opts.maxBytes;
  if (max !== undefined && !(max >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${max}`);

  // One controller aborts the request on the caller's signal or when the idle timer fires.
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(opts.signal!.reason);
  if (opts.signal?.aborted) onCallerAbort();
  opts.signal?.addEventListener("abort", onCallerAbort, { once: true });
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort(new Error("stalled"));
    }, idleMs);
  };
  let loaded = 0;
  let total: number | undefined;
  const fail = (message: string, status?: number): never => {
    opts.onProgress?.({ phase: "download", file, loaded, total, error: message });
    throw new DownloadError(message, url, status);
  };
  const stalledError = () =>
    fail(
      `download of ${url} stalled: no data for ${seconds(idleMs)} after ${loaded}${total !== undefined ? ` of ${total}` : ""} bytes ` +
        "(the idle timeout is the idleTimeoutMs option); nothing was cached",
    );

  arm();
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal, redirect: "follow" });
    } catch (e) {
      if (stalled) return stalledError();
      if (opts.signal?.aborted) throw e;
      const cause = causeOf(e);
      const hint = /redirect/i.test(cause) ? " (too many redirects: the server redirects in a loop)" : "";
      return fail(`could not download ${url}: ${cause}${hint}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      const hint =
        res.status === 401 || res.status === 403
          ? " (the file may be private or gated)"
          : res.status === 404
            ? " (no such file)"
            : "";
      return fail(`could not download ${url}: HTTP ${res.status} ${res.statusText}${hint}`, res.status);
    }
    const badType = wrongContentType(res.headers.get("content-type"), opts.expect);
    if (badType) {
      await res.body?.cancel().catch(() => {});
      return fail(
        `${url} answered with ${badType} instead of ${opts.expect === "json" ? "JSON" : "a weight file"}: ` +
          "a login page, captive portal or error page? Nothing was cached",
        res.status,
      );
    }
    // With a content-encoding, content-length counts compressed bytes; then the size is unknown.
    const encoding = res.headers.get("content-encoding");
    const lengthHeader = res.headers.get("content-length");
    const declared = lengthHeader !== null && (!encoding || encoding === "identity") ? Number(lengthHeader) : undefined;
    const known = declared !== undefined && Number.isSafeInteger(declared) && declared >= 0;
    total = known ? declared : undefined;
    if (known && max !== undefined && total! > max) {
      await res.body?.cancel().catch(() => {});
      return fail(`${url} is ${total} bytes, more than the maxBytes limit of ${max}`);
    }

    const report = () => opts.onProgress?.({ phase: "download", file, loaded, total });
    let out: Uint8Array;
    if (!res.body) {
      out = new Uint8Array(await res.arrayBuffer());
      loaded = out.length;
      report();
    } else {
      try {
        out = new Uint8Array(known ? total! : 0);
      } catch {
        await res.body.cancel().catch(() => {});
        return fail(`could not download ${url}: its content-length of ${total} bytes does not fit in memory`);
      }
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      report();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          arm();
          if (known) {
            if (loaded + value.length > total!) {
              await reader.cancel().catch(() => {});
              return fail(
                `download of ${url} sent more than its content-length of ${total} bytes (wrong length); nothing was cached`,
              );
            }
            out.set(value, loaded);
          } else {
            chunks.push(value);
          }
          loaded += value.length;
          if (max !== undefined && loaded > max) {
            await reader.cancel().catch(() => {});
            return fail(`download of ${url} passed the maxBytes limit of ${max} bytes`);
          }
          report();
        }
      } catch (e) {
        if (e instanceof DownloadError) throw e;
        if (stalled) return stalledError();
        if (opts.signal?.aborted) throw e;
        return fail(
          `download of ${url} was interrupted after ${loaded}${known ? ` of ${total}` : ""} bytes: ${causeOf(e)}; nothing was cached`,
        );
      }
      if (known && loaded !== total) {
        return fail(`download of ${url} ended after ${loaded} of ${total} bytes (incomplete); nothing was cached`);
      }
      if (!known) {
        out = new Uint8Array(loaded);
        let at = 0;
        for (const c of chunks) {
          out.set(c, at);
          at += c.length;
        }
      }
    }
    const badContent = wrongContent(out, opts.expect);
    if (badContent) return fail(`${url} answered with ${badContent}; nothing was cached`, res.status);
    return out;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCallerAbort);
  }
}
