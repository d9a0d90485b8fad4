/**
 * HTTP(S) download into memory with progress events, checked against the status and content-length.
 * The whole body is held in one buffer sized from content-length (no concatenation copy), and nothing is
 * returned (so nothing is cached) unless every byte arrived.
 */
import type { ProgressCallback } from "../weights/state-dict.js";

export class DownloadError extends Error {
  constructor(message: string, readonly url: string, readonly status?: number) {
    super(message);
    this.name = "DownloadError";
  }
}

export interface DownloadOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Name reported in progress events (default: the URL). */
  file?: string;
}

function causeOf(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (cause && (cause.code || cause.message)) return [cause.code, cause.message].filter(Boolean).join(": ");
  return err.message ?? String(e);
}

export async function download(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  const file = opts.file ?? url;
  let res: Response;
  try {
    res = await fetch(url, { signal: opts.signal, redirect: "follow" });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new DownloadError(`could not download ${url}: ${causeOf(e)}`, url);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    const hint = res.status === 401 || res.status === 403 ? " (the file may be private or gated)" : res.status === 404 ? " (no such file)" : "";
    throw new DownloadError(`could not download ${url}: HTTP ${res.status} ${res.statusText}${hint}`, url, res.status);
  }
  // With a content-encoding, content-length counts compressed bytes; then the size is unknown.
  const encoding = res.headers.get("content-encoding");
  const lengthHeader = res.headers.get("content-length");
  const total = lengthHeader !== null && (!encoding || encoding === "identity") ? Number(lengthHeader) : undefined;
  const known = total !== undefined && Number.isSafeInteger(total) && total >= 0;

  const report = (loaded: number) => opts.onProgress?.({ phase: "download", file, loaded, total: known ? total : undefined });
  if (!res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    report(b.length);
    return b;
  }
  let out: Uint8Array;
  try {
    out = new Uint8Array(known ? total! : 0);
  } catch {
    await res.body.cancel().catch(() => {});
    throw new DownloadError(`could not download ${url}: its content-length of ${total} bytes does not fit in memory`, url);
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  report(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (known) {
        if (loaded + value.length > total!) throw new DownloadError(`download of ${url} sent more than its content-length of ${total} bytes`, url);
        out.set(value, loaded);
      } else {
        chunks.push(value);
      }
      loaded += value.length;
      report(loaded);
    }
  } catch (e) {
    if (e instanceof DownloadError || opts.signal?.aborted) throw e;
    throw new DownloadError(
      `download of ${url} was interrupted after ${loaded}${known ? ` of ${total}` : ""} bytes: ${causeOf(e)}`,
      url,
    );
  }
  if (known && loaded !== total) {
    throw new DownloadError(`download of ${url} ended after ${loaded} of ${total} bytes (incomplete)`, url);
  }
  if (!known) {
    out = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) (out.set(c, at), (at += c.length));
  }
  return out;
}
